"""Jobs: enqueue, read, cancel and retry (the state changes workers make are in `jobs.transitions`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import CONFLICT, Conflict, FieldError, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from mvidarr.events.hub import Event, EventHub
from mvidarr.jobs import registry, repository
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.metrics import METRICS
from mvidarr.jobs.repository import JobFilter, Visibility
from mvidarr.jobs.schemas import JobCounts, JobLogPublic, JobPublic, JobStats, JobTypePublic
from mvidarr.jobs.transitions import job_event, mark_finished, settle_parent
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import TERMINAL_STATUSES, Job, JobStatus
from mvidarr.models.user import Role

log = logging.getLogger("mvidarr.jobs")
MAX_PARAMS_BYTES = 64 * 1024
SYSTEM_CLOCK = Clock()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a change to a job."""

    user_id: int | None
    role: Role


SYSTEM_ACTOR = Actor(user_id=None, role=Role.ADMIN)


class JobNotFound(NotFound):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} does not exist")


class JobTypeNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"job type {name!r} is not registered; GET /api/v1/jobs/types lists them")


class JobParamsInvalid(InvalidInput):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e.loc[2:])) or 'params'}: {e.msg}" for e in errors[:3]))
        self.errors = errors


def public(job: Job, *, with_detail: bool = True) -> JobPublic:
    item = JobPublic.model_validate(job)
    return item if with_detail else item.model_copy(update={"error_detail": None})


def _definition(job_type: str) -> registry.JobType[Any]:
    try:
        return registry.get(job_type)
    except registry.UnknownJobType:
        raise JobTypeNotFound(job_type) from None


def validate_params(job_type: str, params: dict[str, Any]) -> tuple[registry.JobType[Any], BaseModel]:
    """The type and its validated params: 404 for an unknown type, 422 naming each bad field, 413 if huge."""
    definition = _definition(job_type)
    try:
        size = len(orjson.dumps(params))
    except TypeError:  # an integer beyond 64 bits: no job parameter is one
        raise InvalidInput("params hold a number too large to store", loc=("body", "params"), type_=CONFLICT) from None
    if size > MAX_PARAMS_BYTES:
        raise PayloadTooLarge(f"params are {size} bytes; at most {MAX_PARAMS_BYTES} are allowed")
    try:
        return definition, definition.params.model_validate(params)
    except ValidationError as exc:
        # The params' schema depends on `type` (GET /jobs/types): a rule between two fields.
        errors = [
            FieldError(loc=["body", "params", *e["loc"]], msg=f"{e['msg']} ({e['type']})", type=CONFLICT)
            for e in exc.errors()
        ]
        raise JobParamsInvalid(errors) from None


def check_may_start(job_type: str, role: Role) -> None:
    """403 unless `role` may start jobs of this type (404 for an unknown type)."""
    definition = _definition(job_type)
    if not role.at_least(definition.required_role):
        raise Forbidden(f"starting {job_type} jobs needs the {definition.required_role.value} role")


def is_sensitive(job_type: str) -> bool:
    """Admin-only job types (backups, retention, ...); unknown types count as sensitive."""
    definition = registry.REGISTRY.get(job_type)
    return definition is None or definition.required_role == Role.ADMIN


def may_see(viewer: Actor, job_type: str, created_by: int | None) -> bool:
    """Managers and admins see every job; others their own and system jobs of non-sensitive types."""
    if viewer.role.at_least(Role.MANAGER):
        return True
    if created_by is not None:
        return created_by == viewer.user_id
    return not is_sensitive(job_type)


def visibility(viewer: Actor) -> Visibility | None:
    """`may_see` as a query filter (None: everything)."""
    if viewer.role.at_least(Role.MANAGER):
        return None
    system_types = sorted(name for name in registry.REGISTRY if not is_sensitive(name))
    return Visibility(user_id=viewer.user_id, system_types=system_types)


def event_filter(viewer: Actor) -> Callable[[Event], bool] | None:
    """For a live-events subscriber: drop job events `viewer` may not see (None: drop nothing)."""
    if viewer.role.at_least(Role.MANAGER):
        return None

    def accepts(event: Event) -> bool:
        if not event.type.startswith("job."):
            return True
        created_by = event.data.get("created_by")
        return may_see(viewer, str(event.data.get("type")), created_by if isinstance(created_by, int) else None)

    return accepts


async def get_visible_job(session: AsyncSession, job_id: int, viewer: Actor) -> Job:
    """The job, or 404 when it does not exist or `viewer` may not see it (its existence is not revealed)."""
    job = await get_job(session, job_id)
    if not may_see(viewer, job.type, job.created_by):
        raise JobNotFound(job_id)
    return job


def _check_may_change(job: Job, actor: Actor) -> None:
    """Managers may change any job; others only jobs they started, of types they may start."""
    if actor.role.at_least(Role.MANAGER):
        return
    if job.created_by is None or job.created_by != actor.user_id:
        raise Forbidden("you may only cancel or retry jobs you started")
    check_may_start(job.type, actor.role)


def _job_values(
    definition: registry.JobType[Any],
    checked: BaseModel,
    *,
    priority: int | None,
    parent_id: int | None,
    schedule_id: int | None,
    created_by: int | None,
    run_after: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "type": definition.name,
        "status": JobStatus.QUEUED,
        "priority": definition.priority if priority is None else priority,
        "params": checked.model_dump(mode="json"),
        "max_attempts": definition.max_attempts,
        "timeout_s": definition.timeout_s,
        "parent_id": parent_id,
        "schedule_id": schedule_id,
        "dedupe_key": definition.dedupe_key(checked),
        "created_by": created_by,
        "created_at": now,
        "run_after": run_after or now,
        "progress": 0.0,
        "attempts": 0,
        "awaiting_children": False,
        "cancel_requested": False,
    }


async def enqueue(
    session: AsyncSession,
    events: EventHub,
    job_type: str,
    params: dict[str, Any] | BaseModel,
    *,
    priority: int | None = None,
    parent_id: int | None = None,
    schedule_id: int | None = None,
    created_by: int | None = None,
    run_after: datetime | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Job, bool]:
    """Add a job in the caller's transaction; it exists (and workers wake) only once that commits.

    A de-duplicated type answers the identical active job instead (created=False).
    """
    raw = params.model_dump(mode="json") if isinstance(params, BaseModel) else params
    definition, checked = validate_params(job_type, raw)
    values = _job_values(
        definition,
        checked,
        priority=priority,
        parent_id=parent_id,
        schedule_id=schedule_id,
        created_by=created_by,
        run_after=run_after,
        now=clock.now(),
    )
    job, created = await repository.insert(session, values)
    if created:
        METRICS.enqueued[definition.name] += 1
        await events.emit(session, job_event("job.created", job))
    return job, created


async def enqueue_many(
    session: AsyncSession,
    events: EventHub,
    job_type: str,
    params: Sequence[dict[str, Any] | BaseModel],
    *,
    priority: int | None = None,
    parent_id: int | None = None,
    created_by: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[Job]:
    """Add many jobs of one type in the caller's transaction (bulk work: one per video, artist, ...).

    Every params document is validated first, so one bad document adds none. Rows go in with one
    multi-row INSERT; a de-duplicated type answers the active twin for params already queued, so
    the list always has one job per params document, in order.
    """
    definition = _definition(job_type)
    checked = [
        validate_params(job_type, p.model_dump(mode="json") if isinstance(p, BaseModel) else p)[1] for p in params
    ]
    now = clock.now()
    rows = [
        _job_values(
            definition,
            c,
            priority=priority,
            parent_id=parent_id,
            schedule_id=None,
            created_by=created_by,
            run_after=None,
            now=now,
        )
        for c in checked
    ]
    if definition.dedupe:
        jobs: list[Job] = []
        created_jobs: list[Job] = []
        for values in rows:
            job, created = await repository.insert(session, values)
            jobs.append(job)
            if created:
                created_jobs.append(job)
    else:
        jobs = created_jobs = await repository.insert_many(session, rows)
    METRICS.enqueued[definition.name] += len(created_jobs)
    await events.emit(session, *(job_event("job.created", job) for job in created_jobs))
    return jobs


async def wake_one_waiting(session: AsyncSession, job_type: str, message_contains: str, now: datetime) -> int | None:
    """The first job of `job_type` waiting with `message_contains` in its message runs now (what it
    waited for has happened; the caller commits). Its id, or None when none waits."""
    return await repository.wake_one_waiting(session, job_type, message_contains, now)


async def list_jobs(session: AsyncSession, flt: JobFilter, page: PageParams, *, with_detail: bool) -> Page[JobPublic]:
    rows, total = await repository.list_page(session, flt, page)
    return Page(
        items=[public(row, with_detail=with_detail) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


async def get_job(session: AsyncSession, job_id: int, *, lock: bool = False) -> Job:
    job = await repository.get(session, job_id, lock=lock)
    if job is None:
        raise JobNotFound(job_id)
    return job


async def job_logs(
    session: AsyncSession, job_id: int, page: PageParams, *, viewer: Actor = SYSTEM_ACTOR
) -> Page[JobLogPublic]:
    await get_visible_job(session, job_id, viewer)
    rows, total = await repository.logs(session, job_id, page)
    return Page(
        items=[JobLogPublic.model_validate(row) for row in rows], total=total, page=page.page, page_size=page.page_size
    )


def list_types() -> list[JobTypePublic]:
    return [
        JobTypePublic(
            type=jt.name,
            description=jt.description,
            params_schema=jt.params.model_json_schema(),
            priority=jt.priority,
            max_attempts=jt.max_attempts,
            timeout_s=jt.timeout_s,
            concurrency=jt.concurrency,
            dedupe=jt.dedupe,
            required_role=str(jt.required_role),
        )
        for jt in sorted(registry.REGISTRY.values(), key=lambda jt: jt.name)
    ]


async def stats(session: AsyncSession) -> JobStats:
    rows = await repository.counts(session)
    counts = [JobCounts(type=t, status=JobStatus(s), count=n) for t, s, n in rows]
    return JobStats(counts=counts, process=METRICS.export())


async def cancel_job(
    session: AsyncSession, events: EventHub, job_id: int, *, actor: Actor = SYSTEM_ACTOR, clock: Clock = SYSTEM_CLOCK
) -> Job:
    """Queued jobs stop now; running ones are asked to stop (and their children with them)."""
    job = await get_job(session, job_id, lock=True)
    _check_may_change(job, actor)
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"job {job_id} already {job.status}; only queued or running jobs can be cancelled")
    now = clock.now()
    announced: list[Event] = []
    targets = [job, *await repository.jobs_by_ids(session, await repository.active_child_ids(session, job.id))]
    for target in targets:
        if target.status == JobStatus.QUEUED:
            mark_finished(target, JobStatus.CANCELLED, now, message="cancelled before it started")
            announced.append(job_event("job.finished", target))
        elif not target.cancel_requested:
            target.cancel_requested = True
            announced.append(job_event("job.progress", target))
    await session.flush()
    await events.emit(session, *announced)
    # Children cancelled here may complete a parent waiting on them.
    for parent_id in {t.parent_id for t in targets if t.parent_id is not None and t.status in TERMINAL_STATUSES}:
        await settle_parent(session, events, parent_id, now)
    return job


async def retry_job(
    session: AsyncSession, events: EventHub, job_id: int, *, actor: Actor = SYSTEM_ACTOR, clock: Clock = SYSTEM_CLOCK
) -> Job:
    job = await get_job(session, job_id, lock=True)
    _check_may_change(job, actor)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried")
    if job.dedupe_key is not None and await repository.active_with_key(session, job.dedupe_key):
        raise Conflict(f"an identical {job.type} job is already active")
    now = clock.now()
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.error = None
    job.error_detail = None
    job.result = None
    job.progress = 0.0
    job.message = None
    job.cancel_requested = False
    job.finished_at = None
    job.started_at = None
    job.run_s = None
    job.worker_id = None
    job.lease_expires_at = None
    job.run_after = now
    await session.flush()
    METRICS.enqueued[job.type] += 1
    await events.emit(session, job_event("job.created", job))
    return job
