"""Job, job log and schedule queries.

One module past 400 lines on purpose: the queries of one table family (a job, its logs, its children, the
schedules that create jobs), as the repository role has it; each is short and stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, cast, delete, func, or_, select, text, update
from sqlalchemy import insert as insert_statement
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from mvidarr.kit.pagination import PageParams
from mvidarr.models import ACTIVE_STATUSES, TERMINAL_STATUSES, Job, JobLog, JobStatus, Schedule

_ACTIVE_DEDUPE = text("status IN ('queued', 'running') AND dedupe_key IS NOT NULL")
# Any key: serialises claims of concurrency-limited types across PostgreSQL processes.
_LIMIT_LOCK = 0x6D76_6A6F


@dataclass(frozen=True, slots=True)
class Visibility:
    """The jobs a user below manager may see: their own, and system jobs of these types."""

    user_id: int | None
    system_types: Sequence[str]


@dataclass(frozen=True, slots=True)
class JobFilter:
    status: Sequence[JobStatus] = ()
    type: str | None = None
    parent_id: int | None = None
    created_by: int | None = None
    top_level: bool = False
    visible: Visibility | None = None
    """None: every job."""


def _visible(visible: Visibility) -> Any:
    system = and_(Job.created_by.is_(None), Job.type.in_(visible.system_types))
    return system if visible.user_id is None else or_(Job.created_by == visible.user_id, system)


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _id_in(session: AsyncSession, ids: Sequence[int]) -> Any:
    """`job.id IN (...)`; on PostgreSQL `= ANY(array)`, one statement text (and prepared plan) for any count."""
    if _is_pg(session):
        return Job.id == any_(cast(list(ids), ARRAY(Integer)))
    return Job.id.in_(ids)


# Built once: adapting an alias per call costs more than the query it belongs to.
_child = aliased(Job)
_WAITING = (
    select(_child.id).where(_child.parent_id == Job.id, _child.status.in_(ACTIVE_STATUSES)).exists().label("waiting")
)


async def insert(session: AsyncSession, values: dict[str, Any]) -> tuple[Job, bool]:
    """Insert a job; with a dedupe key already active, return that job instead (created=False)."""
    if values.get("dedupe_key") is None:
        job = Job(**values)
        session.add(job)
        await session.flush()
        return job, True
    insert_ = pg_insert if _is_pg(session) else sqlite_insert
    stmt = (
        insert_(Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=_ACTIVE_DEDUPE)
        .returning(Job.id)
    )
    new_id = (await session.execute(stmt)).scalar_one_or_none()
    if new_id is not None:
        created = await session.get(Job, new_id)
        assert created is not None
        return created, True
    existing = await session.scalar(
        select(Job).where(Job.dedupe_key == values["dedupe_key"], Job.status.in_(ACTIVE_STATUSES)).limit(1)
    )
    if existing is None:  # finished between the insert and the read: try once more
        return await insert(session, values)
    return existing, False


async def insert_many(session: AsyncSession, rows: list[dict[str, Any]]) -> list[Job]:
    """Insert jobs without de-duplication keys in one multi-row statement; the jobs, in order."""
    if not rows:
        return []
    stmt = insert_statement(Job).returning(Job, sort_by_parameter_order=True)
    return list((await session.scalars(stmt, rows)).all())


async def active_with_key(session: AsyncSession, dedupe_key: str) -> bool:
    stmt = select(Job.id).where(Job.dedupe_key == dedupe_key, Job.status.in_(ACTIVE_STATUSES)).limit(1)
    return (await session.scalar(stmt)) is not None


async def get(session: AsyncSession, job_id: int, *, lock: bool = False) -> Job | None:
    if lock:
        stmt = select(Job).where(Job.id == job_id).with_for_update()
        return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
    return await session.get(Job, job_id, populate_existing=True)


def _where(stmt: Any, flt: JobFilter) -> Any:
    if flt.status:
        stmt = stmt.where(Job.status.in_(flt.status))
    if flt.type:
        stmt = stmt.where(Job.type == flt.type)
    if flt.parent_id is not None:
        stmt = stmt.where(Job.parent_id == flt.parent_id)
    elif flt.top_level:
        stmt = stmt.where(Job.parent_id.is_(None))
    if flt.created_by is not None:
        stmt = stmt.where(Job.created_by == flt.created_by)
    if flt.visible is not None:
        stmt = stmt.where(_visible(flt.visible))
    return stmt


async def list_page(session: AsyncSession, flt: JobFilter, page: PageParams) -> tuple[Sequence[Job], int]:
    stmt = _where(select(Job), flt).order_by(Job.id.desc()).offset(page.offset).limit(page.page_size)
    rows = (await session.execute(stmt)).scalars().all()
    if page.offset == 0 and len(rows) < page.page_size:
        return rows, len(rows)
    total = await session.scalar(_where(select(func.count(Job.id)), flt))
    return rows, int(total or 0)


async def active(session: AsyncSession, limit: int, visible: Visibility | None = None) -> Sequence[Job]:
    stmt = select(Job).where(Job.status.in_(ACTIVE_STATUSES)).order_by(Job.id.desc()).limit(limit)
    if visible is not None:
        stmt = stmt.where(_visible(visible))
    return (await session.execute(stmt)).scalars().all()


async def logs(session: AsyncSession, job_id: int, page: PageParams) -> tuple[Sequence[JobLog], int]:
    stmt = select(JobLog).where(JobLog.job_id == job_id).order_by(JobLog.id).offset(page.offset).limit(page.page_size)
    rows = (await session.execute(stmt)).scalars().all()
    total = await session.scalar(select(func.count(JobLog.id)).where(JobLog.job_id == job_id))
    return rows, int(total or 0)


async def add_logs(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert_statement(JobLog), rows)


async def counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    stmt = select(Job.type, Job.status, func.count(Job.id)).group_by(Job.type, Job.status).order_by(Job.type)
    return [(str(t), str(s), int(n)) for t, s, n in (await session.execute(stmt)).all()]


# -- claiming and leases ---------------------------------------------------------------------


async def running_counts(session: AsyncSession, types: Sequence[str]) -> dict[str, int]:
    if not types:
        return {}
    stmt = (
        select(Job.type, func.count(Job.id))
        .where(Job.status == JobStatus.RUNNING, Job.type.in_(types), Job.awaiting_children.is_(False))
        .group_by(Job.type)
    )
    return {name: int(count) for name, count in (await session.execute(stmt)).all()}


async def claim(
    session: AsyncSession,
    *,
    worker_id: str,
    slots: int,
    now: datetime,
    lease_until: datetime,
    known_types: Sequence[str],
    limits: dict[str, int],
) -> Sequence[Job]:
    """Atomically move up to `slots` due jobs to running for this worker; priority, then age.

    PostgreSQL: rows are picked with FOR UPDATE SKIP LOCKED, so workers never wait on each
    other; SQLite: the caller's session holds the write lock (BEGIN IMMEDIATE). Only when the
    picked rows include a concurrency-limited type do PostgreSQL claims take the advisory lock
    that serialises counting running jobs of limited types across processes.
    """
    pg = _is_pg(session)
    types = list(known_types)
    ids: list[int] = []
    room: dict[str, int] | None = None
    while len(ids) < slots and types:
        pick = (
            select(Job.id, Job.type)
            .where(Job.status == JobStatus.QUEUED, Job.run_after <= now, Job.type.in_(types))
            .order_by(Job.priority.desc(), Job.id)
            .limit(slots - len(ids))
        )
        if ids:
            pick = pick.where(Job.id.not_in(ids))
        if pg:
            pick = pick.with_for_update(skip_locked=True)
        rows = (await session.execute(pick)).all()
        if not rows:
            break
        if room is None and any(name in limits for _id, name in rows):
            if pg:
                await session.execute(select(func.pg_advisory_xact_lock(_LIMIT_LOCK)))
            running = await running_counts(session, list(limits))
            room = {name: limit - running.get(name, 0) for name, limit in limits.items()}
        skipped = False
        for job_id, name in rows:
            if room is not None and name in room:
                if room[name] <= 0:
                    skipped = True
                    continue
                room[name] -= 1
            ids.append(job_id)
        if not skipped:
            break
        # Jobs of saturated types were passed over: pick again among the other types.
        assert room is not None
        types = [name for name in types if room.get(name, 1) > 0]
    if not ids:
        return []
    stmt = (
        update(Job)
        .where(_id_in(session, ids), Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            worker_id=worker_id,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            lease_expires_at=lease_until,
            progress=0.0,
            error=None,
        )
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    jobs = list((await session.execute(stmt)).scalars().all())
    jobs.sort(key=lambda job: (-job.priority, job.id))
    return jobs


async def renew_leases(
    session: AsyncSession, worker_id: str, ids: Sequence[int], now: datetime, lease_until: datetime
) -> dict[int, bool]:
    """Extend this worker's leases; answers {job id: cancel requested} for the jobs it still owns."""
    if not ids:
        return {}
    stmt = (
        update(Job)
        .where(_id_in(session, ids), Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)
        .values(heartbeat_at=now, lease_expires_at=lease_until)
        .returning(Job.id, Job.cancel_requested)
        .execution_options(synchronize_session=False)
    )
    return {int(job_id): bool(cancel) for job_id, cancel in (await session.execute(stmt)).all()}


async def expired(session: AsyncSession, now: datetime, limit: int = 100) -> Sequence[Job]:
    """Running jobs whose worker stopped renewing its lease, locked for the caller."""
    stmt = (
        select(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.awaiting_children.is_(False),
            Job.lease_expires_at < now,
        )
        .order_by(Job.id)
        .limit(limit)
    )
    if _is_pg(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().all()


async def owned_many(session: AsyncSession, ids: Sequence[int], worker_id: str) -> dict[int, tuple[Job, bool]]:
    """The jobs among `ids` this worker still runs, locked (in id order, so batches never
    deadlock), each with whether it has queued or running children."""
    if not ids:
        return {}
    stmt = (
        select(Job, _WAITING)
        .where(_id_in(session, ids), Job.status == JobStatus.RUNNING, Job.worker_id == worker_id)
        .order_by(Job.id)
        .with_for_update(of=Job)
        .execution_options(populate_existing=True)
    )
    return {job.id: (job, bool(has_children)) for job, has_children in (await session.execute(stmt)).all()}


async def with_active_children(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    """Those of `ids` that have queued or running children."""
    if not ids:
        return set()
    stmt = select(Job.parent_id).where(Job.parent_id.in_(ids), Job.status.in_(ACTIVE_STATUSES)).distinct()
    return {int(parent_id) for parent_id in (await session.execute(stmt)).scalars().all() if parent_id is not None}


async def children_by_status(session: AsyncSession, parent_id: int) -> dict[str, int]:
    stmt = select(Job.status, func.count(Job.id)).where(Job.parent_id == parent_id).group_by(Job.status)
    return {str(status): int(count) for status, count in (await session.execute(stmt)).all()}


async def active_child_ids(session: AsyncSession, parent_id: int) -> list[int]:
    """Ids of active descendants (children, grandchildren, ...)."""
    found: list[int] = []
    frontier = [parent_id]
    while frontier:
        stmt = select(Job.id).where(Job.parent_id.in_(frontier), Job.status.in_(ACTIVE_STATUSES))
        frontier = list((await session.execute(stmt)).scalars().all())
        found.extend(frontier)
    return found


async def jobs_by_ids(session: AsyncSession, ids: Sequence[int]) -> Sequence[Job]:
    if not ids:
        return []
    stmt = select(Job).where(Job.id.in_(ids)).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalars().all()


async def next_due(session: AsyncSession, known_types: Sequence[str]) -> datetime | None:
    stmt = select(func.min(Job.run_after)).where(Job.status == JobStatus.QUEUED, Job.type.in_(known_types))
    return await session.scalar(stmt)


# -- retention -------------------------------------------------------------------------------


async def prune_finished(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` top-level finished jobs (with their children and logs) older than `before`."""
    ids = (
        select(Job.id)
        .where(Job.status.in_(TERMINAL_STATUSES), Job.finished_at < before, Job.parent_id.is_(None))
        .order_by(Job.id)
        .limit(limit)
    )
    chosen = list((await session.execute(ids)).scalars().all())
    if not chosen:
        return 0
    descendants = list(chosen)
    frontier = chosen
    while frontier:
        frontier = list((await session.execute(select(Job.id).where(Job.parent_id.in_(frontier)))).scalars().all())
        descendants.extend(frontier)
    await session.execute(delete(JobLog).where(JobLog.job_id.in_(descendants)))
    await session.execute(
        update(Job).where(Job.id.in_(descendants)).values(parent_id=None).execution_options(synchronize_session=False)
    )
    result = await session.execute(delete(Job).where(Job.id.in_(descendants)))
    return int(getattr(result, "rowcount", 0) or 0)


async def trim_logs(session: AsyncSession, max_per_job: int) -> int:
    """Keep the newest `max_per_job` lines of every job."""
    ranked = select(
        JobLog.id, func.row_number().over(partition_by=JobLog.job_id, order_by=JobLog.id.desc()).label("n")
    ).subquery()
    doomed = select(ranked.c.id).where(ranked.c.n > max_per_job)
    result = await session.execute(delete(JobLog).where(JobLog.id.in_(doomed)))
    return int(getattr(result, "rowcount", 0) or 0)


# -- schedules -------------------------------------------------------------------------------


async def schedules(session: AsyncSession) -> Sequence[Schedule]:
    return (await session.execute(select(Schedule).order_by(Schedule.name))).scalars().all()


async def schedule_by_name(session: AsyncSession, name: str, *, exclude_id: int | None = None) -> Schedule | None:
    stmt = select(Schedule).where(Schedule.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Schedule.id != exclude_id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def due_schedules(session: AsyncSession, now: datetime) -> Sequence[Schedule]:
    stmt = select(Schedule).where(Schedule.enabled.is_(True), Schedule.next_run_at <= now).order_by(Schedule.id)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().all()


async def advance_schedule(
    session: AsyncSession, schedule_id: int, expected_next: datetime | None, now: datetime, next_run_at: datetime
) -> bool:
    """Compare-and-set of a schedule's next run: True for the one process that wins it."""
    condition = Schedule.next_run_at.is_(None) if expected_next is None else Schedule.next_run_at == expected_next
    stmt = (
        update(Schedule)
        .where(and_(Schedule.id == schedule_id, condition))
        .values(last_run_at=now, next_run_at=next_run_at)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def next_schedule_at(session: AsyncSession) -> datetime | None:
    stmt = select(func.min(Schedule.next_run_at)).where(
        Schedule.enabled.is_(True), or_(Schedule.next_run_at.is_not(None))
    )
    return await session.scalar(stmt)


async def wake_one_waiting(session: AsyncSession, job_type: str, message_contains: str, now: datetime) -> int | None:
    """Bring forward the first queued job of `job_type` that waits (run_after later than now) with
    `message_contains` in its message: what it waited for has happened. Returns its id, or None."""
    escaped = message_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(Job.id)
        .where(
            Job.status == JobStatus.QUEUED,
            Job.type == job_type,
            Job.run_after > now,
            Job.message.like(f"%{escaped}%", escape="\\"),
        )
        .order_by(Job.priority.desc(), Job.id)
        .limit(1)
    )
    job_id = await session.scalar(stmt)
    if job_id is None:
        return None
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(run_after=now)
        .execution_options(synchronize_session=False)
    )
    return int(job_id)
