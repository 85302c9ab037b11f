"""What workers do to jobs: record outcomes, settle parents, reclaim expired leases, write progress;
and the form a job takes in events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.events.hub import Event, EventHub
from mvidarr.jobs import repository
from mvidarr.jobs.metrics import METRICS
from mvidarr.jobs.schemas import JobPublic
from mvidarr.models import TERMINAL_STATUSES, Job, JobStatus
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event

log = logging.getLogger("mvidarr.jobs")
PARENT_EVENT_EVERY_S = 0.25
_EVENT_EXCLUDE = {"params", "error_detail"}


def job_data(job: Job) -> dict[str, Any]:
    """The job as events carry it (no params, no traceback)."""
    return JobPublic.model_validate(job).model_dump(mode="json", exclude=_EVENT_EXCLUDE)


def job_event(kind: str, job: Job) -> Event:
    return Event(type=kind, data=job_data(job), ref=("job", job.id))


def mark_finished(job: Job, status: JobStatus, now: datetime, *, message: str | None = None) -> None:
    job.status = status
    job.finished_at = now
    job.worker_id = None
    job.lease_expires_at = None
    job.awaiting_children = False
    if message is not None:
        job.message = message
    if status == JobStatus.SUCCEEDED:
        job.progress = 1.0
    started = job.started_at
    job.run_s = max(0.0, (now - started).total_seconds()) if started else None
    METRICS.observe_finish(job.type, str(status), job.run_s)


async def settle_parent(session: AsyncSession, events: EventHub, parent_id: int, now: datetime) -> None:
    """After a child changed: update the parent's aggregate progress, finish it when all children have."""
    parent = await repository.get(session, parent_id, lock=True)
    if parent is None or parent.status in TERMINAL_STATUSES:
        return
    by_status = await repository.children_by_status(session, parent_id)
    total = sum(by_status.values())
    done = sum(n for s, n in by_status.items() if s in TERMINAL_STATUSES)
    if not parent.awaiting_children:
        return
    parent.progress = done / total if total else 1.0
    if done < total:
        last = parent.heartbeat_at
        if last is None or (now - last).total_seconds() >= PARENT_EVENT_EVERY_S:
            parent.heartbeat_at = now
            await session.flush()
            await events.emit(session, job_event("job.progress", parent))
        return
    failed = by_status.get(JobStatus.FAILED, 0)
    cancelled = by_status.get(JobStatus.CANCELLED, 0)
    result = dict(parent.result or {})
    result["children"] = by_status
    parent.result = result
    if parent.cancel_requested:
        mark_finished(parent, JobStatus.CANCELLED, now, message="cancelled")
    elif failed:
        parent.error = f"{failed} of {total} child jobs failed"
        mark_finished(parent, JobStatus.FAILED, now)
    else:
        note = f"{total} child jobs finished" + (f" ({cancelled} cancelled)" if cancelled else "")
        mark_finished(parent, JobStatus.SUCCEEDED, now, message=note)
    await session.flush()
    await events.emit(session, job_event("job.finished", parent))
    if parent.parent_id is not None:
        await settle_parent(session, events, parent.parent_id, now)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt of a job ended, as the worker that ran it reports it."""

    job_id: int
    status: JobStatus | Literal["retry", "release", "defer"]
    result: dict[str, Any] | None = None
    error: str | None = None
    error_detail: str | None = None
    retry_at: datetime | None = None


async def record_outcomes(
    session: AsyncSession, events: EventHub, worker_id: str, outcomes: Sequence[Outcome], now: datetime
) -> list[int]:
    """Record a batch of finished attempts in the caller's transaction; answers the ids recorded.

    A job this worker no longer holds (its lease was reclaimed meanwhile) is skipped: its new
    owner records it. One locking read, one children query and one flush serve the whole batch.
    """
    if not outcomes:
        return []
    owned = await repository.owned_many(session, [o.job_id for o in outcomes], worker_id)
    waiting = {job_id for job_id, (_job, has_children) in owned.items() if has_children}
    pairs: list[tuple[Job, Outcome]] = []
    for outcome in outcomes:
        found = owned.get(outcome.job_id)
        if found is None:
            log.warning("job %s finished after its lease was taken; outcome dropped", outcome.job_id)
            continue
        pairs.append((found[0], outcome))
    await _apply(session, events, pairs, now, waiting)
    return [job.id for job, _outcome in pairs]


async def complete(
    session: AsyncSession,
    events: EventHub,
    job: Job,
    status: JobStatus,
    now: datetime,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    error_detail: str | None = None,
) -> None:
    """A job (already loaded and locked) finished: record the outcome, or wait for its children."""
    waiting = await repository.with_active_children(session, [job.id]) if status == JobStatus.SUCCEEDED else set()
    outcome = Outcome(job.id, status, result=result, error=error, error_detail=error_detail)
    await _apply(session, events, [(job, outcome)], now, waiting)


async def _apply(
    session: AsyncSession, events: EventHub, pairs: Sequence[tuple[Job, Outcome]], now: datetime, waiting: set[int]
) -> None:
    announced: list[Event] = []
    parents: set[int] = set()
    awaiting: list[Job] = []
    for job, outcome in pairs:
        if outcome.result is not None:
            job.result = outcome.result
        if outcome.error is not None:
            job.error = outcome.error[:1000]
            job.error_detail = outcome.error_detail
        status = outcome.status
        if status == "retry":
            job.status = JobStatus.QUEUED
            job.worker_id = None
            job.lease_expires_at = None
            job.run_after = outcome.retry_at or now
            # The reason stays in sight while the job waits for its next attempt.
            why = f": {outcome.error}" if outcome.error else ""
            job.message = f"attempt {job.attempts} of {job.max_attempts} failed, retrying{why}"[:1000]
            METRICS.retried[job.type] += 1
            announced.append(job_event("job.progress", job))
            continue
        if status == "defer":
            # Waiting is not failing: back to the queue until `retry_at`, the attempt not counted, and
            # the error cleared so the job does not read as failed while it waits.
            job.status = JobStatus.QUEUED
            job.worker_id = None
            job.lease_expires_at = None
            job.run_after = outcome.retry_at or now
            job.attempts = max(0, job.attempts - 1)
            job.error = None
            job.error_detail = None
            job.message = (outcome.error or "waiting")[:1000]
            announced.append(job_event("job.progress", job))
            continue
        if status == "release":
            # Back to the queue without counting the attempt (worker shutdown).
            job.status = JobStatus.QUEUED
            job.worker_id = None
            job.lease_expires_at = None
            job.attempts = max(0, job.attempts - 1)
            job.message = "requeued at worker shutdown"
            announced.append(job_event("job.progress", job))
            continue
        if status == JobStatus.SUCCEEDED and job.id in waiting:
            job.awaiting_children = True
            job.worker_id = None
            job.lease_expires_at = None
            awaiting.append(job)
            continue
        if status == JobStatus.CANCELLED or (job.cancel_requested and status == JobStatus.SUCCEEDED):
            status = JobStatus.CANCELLED
            for child in await repository.jobs_by_ids(session, await repository.active_child_ids(session, job.id)):
                if child.status == JobStatus.QUEUED:
                    mark_finished(child, JobStatus.CANCELLED, now, message="parent cancelled")
                    announced.append(job_event("job.finished", child))
        mark_finished(job, status, now)
        announced.append(job_event("job.finished", job))
        if status == JobStatus.FAILED:
            await raise_event(
                session,
                catalogue.JOB_FAILED,
                {"job_id": job.id, "job_type": job.type, "error": (job.error or "")[:1000], "attempts": job.attempts},
            )
        if job.parent_id is not None:
            parents.add(job.parent_id)
    await session.flush()
    await events.emit(session, *announced)
    for job in awaiting:
        await settle_parent(session, events, job.id, now)
        await events.emit(session, job_event("job.progress", job))
    for parent_id in sorted(parents):
        await settle_parent(session, events, parent_id, now)


async def reclaim_expired(session: AsyncSession, events: EventHub, now: datetime) -> list[int]:
    """Requeue (or fail, when out of attempts) running jobs whose worker stopped renewing its lease."""
    reclaimed: list[int] = []
    for job in await repository.expired(session, now):
        METRICS.reclaimed[job.type] += 1
        reclaimed.append(job.id)
        if job.attempts >= job.max_attempts:
            job.error = f"worker {job.worker_id} stopped responding (lease expired) on the last attempt"
            await complete(session, events, job, JobStatus.FAILED, now)
            continue
        log.warning("job %s reclaimed from worker %s after its lease expired", job.id, job.worker_id)
        job.status = JobStatus.QUEUED
        job.worker_id = None
        job.lease_expires_at = None
        job.message = "requeued: its worker stopped responding"
        await session.flush()
        await events.emit(session, job_event("job.progress", job))
    return reclaimed


async def write_progress(
    session: AsyncSession,
    events: EventHub,
    job_id: int,
    worker_id: str,
    values: dict[str, Any],
    lease_until: datetime,
) -> bool:
    """Store a running job's progress (renewing its lease); False if the worker lost the job."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)
        .values(**values, lease_expires_at=lease_until)
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    job = (await session.execute(stmt)).scalar_one_or_none()
    if job is None:
        return False
    await events.emit(session, job_event("job.progress", job))
    return True


def after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


def running_ids(jobs: Sequence[Job]) -> list[int]:
    return [job.id for job in jobs if job.status == JobStatus.RUNNING]
