"""Fixtures for the job system: fast leases, a controllable clock, a runner, a signed-in admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.metrics import METRICS
from mvidarr.jobs.runner import Runner
from tests.jobs import handlers

FAST = {
    "worker_slots": 0,
    "job_lease_s": 1.0,
    "job_heartbeat_s": 0.2,
    "job_poll_s": 0.1,
    "job_shutdown_grace_s": 0.5,
    "job_cancel_grace_s": 0.3,
    "ws_heartbeat_s": 1.0,
}


class FakeClock(Clock):
    """Wall time plus an offset the test moves; jitter fixed at the given value."""

    def __init__(self, jitter: float = 0.5) -> None:
        self.offset = timedelta()
        self.jitter = jitter

    def now(self) -> datetime:
        return utcnow() + self.offset

    def random(self) -> float:
        return self.jitter

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _reset_counters() -> None:
    METRICS.reset()
    handlers.SEEN.clear()
    handlers.CONCURRENT.update(now=0, max=0)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings, clock: FakeClock) -> AsyncIterator[Runner]:
    """Four worker slots on the app's hub, on the test's clock."""
    app.state.clock = clock
    worker = Runner(
        db, app.state.events, settings, providers=app.state.providers, slots=4, clock=clock, run_schedules=False
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=0.5)
