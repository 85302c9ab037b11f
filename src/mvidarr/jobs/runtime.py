"""The job system of one process: its event hub and, when it has worker slots, its runner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events.hub import EventHub
from mvidarr.jobs import repository, schedules, transitions
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.runner import Runner, load_job_types
from mvidarr.notifications.worker import DeliveryWorker

if TYPE_CHECKING:
    from mvidarr.providers.hub import ProviderHub


@dataclass(frozen=True, slots=True)
class JobSystem:
    events: EventHub
    clock: Clock
    runner: Runner | None
    deliveries: DeliveryWorker | None


def _job_resolver(db: Database) -> Any:
    async def resolve(job_id: int) -> dict[str, Any] | None:
        async with db.reader() as session:
            job = await repository.get(session, job_id)
            return transitions.job_data(job) if job is not None else None

    return resolve


@asynccontextmanager
async def job_system(
    db: Database,
    settings: Settings,
    *,
    providers: ProviderHub | None = None,
    slots: int | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[JobSystem]:
    """Start the event hub (and a runner when `slots` > 0, its jobs handed `providers`); on exit stop
    claiming and requeue what runs."""
    load_job_types(settings.job_modules)
    clock = clock or Clock()
    events = EventHub(db)
    events.add_resolver("job", _job_resolver(db))
    await events.start()
    runner: Runner | None = None
    deliveries: DeliveryWorker | None = None
    try:
        await schedules.ensure_defaults(db, clock)
        count = settings.worker_slots if slots is None else slots
        if count > 0:
            runner = Runner(db, events, settings, providers=providers, slots=count, clock=clock)
            await runner.start()
            # Notification deliveries and media-server refreshes run where jobs run (decision 0036).
            deliveries = DeliveryWorker(db, settings, clock=clock)
            await deliveries.start()
        yield JobSystem(events=events, clock=clock, runner=runner, deliveries=deliveries)
    finally:
        if deliveries is not None:
            await deliveries.stop()
        if runner is not None:
            await runner.stop()
        await events.stop()
