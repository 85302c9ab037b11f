"""Periodic jobs: the default schedules, firing what is due, and the schedule API's service."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database, utcnow
from mvidarr.errors import CONFLICT, CONTENT, Conflict, InvalidInput, MvidarrError, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import repository, service
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.cron import Cron, CronError
from mvidarr.jobs.schemas import ScheduleCreate, SchedulePublic, ScheduleUpdate
from mvidarr.models import Job, Schedule

log = logging.getLogger("mvidarr.jobs")


@dataclass(frozen=True, slots=True)
class DefaultSchedule:
    name: str
    job_type: str
    interval_s: int | None = None
    cron: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


DEFAULTS: dict[str, DefaultSchedule] = {}


def register_default(schedule: DefaultSchedule) -> None:
    """Ship a schedule; created (enabled) on first start, then the user's to change or disable."""
    DEFAULTS[schedule.name] = schedule


class ScheduleNotFound(NotFound):
    def __init__(self, schedule_id: int) -> None:
        super().__init__(f"schedule {schedule_id} does not exist")


def next_run(interval_s: int | None, cron: str | None, after: datetime) -> datetime:
    if cron is not None:
        return Cron.parse(cron).next_after(after)
    return after + timedelta(seconds=interval_s or 3600)


def _check_cron(cron: str | None) -> None:
    if cron is None:
        return
    try:
        Cron.parse(cron).next_after(utcnow())  # also refuses expressions that never match (31 February)
    except CronError as exc:
        raise InvalidInput(str(exc), loc=("body", "cron"), type_=CONTENT) from None


async def ensure_defaults(db: Database, clock: Clock) -> None:
    """Insert the shipped schedules that are missing (by name); never touches existing ones."""
    if not DEFAULTS:
        return
    now = clock.now()
    rows = [
        {
            "name": d.name,
            "job_type": d.job_type,
            "params": d.params,
            "interval_s": d.interval_s,
            "cron": d.cron,
            "enabled": True,
            "builtin": True,
            "next_run_at": next_run(d.interval_s, d.cron, now),
            "created_at": now,
            "updated_at": now,
        }
        for d in DEFAULTS.values()
    ]
    async with db.writer() as session:
        insert_ = sqlite_insert if db.is_sqlite else pg_insert
        await session.execute(insert_(Schedule).values(rows).on_conflict_do_nothing(index_elements=["name"]))
        await session.commit()


async def fire(
    session: AsyncSession,
    events: EventHub,
    schedule: Schedule,
    now: datetime,
    *,
    created_by: int | None = None,
    clock: Clock = service.SYSTEM_CLOCK,
) -> Job | None:
    """Enqueue the schedule's job; a type that de-duplicates answers the active job instead."""
    job, _created = await service.enqueue(
        session,
        events,
        schedule.job_type,
        schedule.params,
        priority=schedule.priority,
        schedule_id=schedule.id,
        created_by=created_by,
        clock=clock,
    )
    schedule.last_job_id = job.id
    return job


async def fire_due(db: Database, events: EventHub, clock: Clock) -> int:
    """Run every due schedule once, however many periods were missed, and set its next run."""
    now = clock.now()
    async with db.reader() as session:
        due = [(s.id, s.next_run_at, s.interval_s, s.cron) for s in await repository.due_schedules(session, now)]
    fired = 0
    for schedule_id, expected, interval_s, cron in due:
        async with db.writer() as session:
            try:
                upcoming = next_run(interval_s, cron, now)
            except CronError:
                upcoming = now + timedelta(days=1)
            if not await repository.advance_schedule(session, schedule_id, expected, now, upcoming):
                continue  # another process fired it
            schedule = await session.get(Schedule, schedule_id)
            if schedule is None:
                continue
            try:
                await fire(session, events, schedule, now, clock=clock)
            except MvidarrError as exc:  # e.g. its job type's plugin was removed: skip this run, keep the schedule
                log.warning("schedule %s cannot start its job: %s", schedule.name, exc)
                await session.rollback()
                await repository.advance_schedule(session, schedule_id, expected, now, upcoming)
                await session.commit()
                continue
            await session.commit()
            fired += 1
    return fired


# -- the API's service ---------------------------------------------------------------------------


async def list_schedules(session: AsyncSession) -> list[SchedulePublic]:
    return [SchedulePublic.model_validate(s) for s in await repository.schedules(session)]


async def get_schedule(session: AsyncSession, schedule_id: int) -> Schedule:
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    return schedule


async def _unique(session: AsyncSession, name: str, exclude_id: int | None = None) -> None:
    if await repository.schedule_by_name(session, name, exclude_id=exclude_id) is not None:
        raise Conflict(f"a schedule named {name!r} already exists")


async def create_schedule(session: AsyncSession, data: ScheduleCreate, clock: Clock) -> SchedulePublic:
    _definition, params = service.validate_params(data.job_type, data.params)
    _check_cron(data.cron)
    await _unique(session, data.name)
    now = clock.now()
    schedule = Schedule(
        name=data.name,
        job_type=data.job_type,
        params=params.model_dump(mode="json"),
        priority=data.priority,
        interval_s=data.interval_s,
        cron=data.cron,
        enabled=data.enabled,
        builtin=False,
        next_run_at=next_run(data.interval_s, data.cron, now),
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"a schedule named {data.name!r} already exists") from None
    return SchedulePublic.model_validate(schedule)


async def update_schedule(
    session: AsyncSession, schedule_id: int, data: ScheduleUpdate, clock: Clock
) -> SchedulePublic:
    schedule = await get_schedule(session, schedule_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "enabled"):
        if key in changes and changes[key] is None:
            raise InvalidInput(f"{key} cannot be null", loc=("body", key))
    if changes.get("name"):
        await _unique(session, changes["name"], exclude_id=schedule_id)
    if "params" in changes:
        _definition, params = service.validate_params(schedule.job_type, changes["params"] or {})
        changes["params"] = params.model_dump(mode="json")
    _check_cron(changes.get("cron"))
    retimed = False
    if changes.get("cron") is not None:
        changes["interval_s"] = None
        retimed = True
    elif changes.get("interval_s") is not None:
        changes["cron"] = None
        retimed = True
    elif "cron" in changes or "interval_s" in changes:
        raise InvalidInput("a schedule needs interval_s or cron", loc=("body",), type_=CONFLICT)
    for key, value in changes.items():
        setattr(schedule, key, value)
    now = clock.now()
    if retimed or (changes.get("enabled") and schedule.next_run_at is None):
        schedule.next_run_at = next_run(schedule.interval_s, schedule.cron, now)
    schedule.updated_at = now
    await session.flush()
    return SchedulePublic.model_validate(schedule)


async def delete_schedule(session: AsyncSession, schedule_id: int) -> None:
    schedule = await get_schedule(session, schedule_id)
    if schedule.builtin:
        raise Conflict(f"schedule {schedule.name!r} ships with MVidarr; disable it instead of deleting it")
    await session.delete(schedule)
    await session.flush()


async def run_now(
    session: AsyncSession,
    events: EventHub,
    schedule_id: int,
    clock: Clock,
    *,
    actor: service.Actor = service.SYSTEM_ACTOR,
) -> Job:
    """Start the schedule's job now (403 unless `actor` may start its type); the next run stays."""
    schedule = await get_schedule(session, schedule_id)
    service.check_may_start(schedule.job_type, actor.role)
    now = clock.now()
    schedule.last_run_at = now
    job = await fire(session, events, schedule, now, created_by=actor.user_id, clock=clock)
    if job is None:
        raise Conflict(f"schedule {schedule.name!r} could not start its job")
    await session.flush()
    return job
