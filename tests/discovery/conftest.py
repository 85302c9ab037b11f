"""Discovery fixtures: providers pointed at the fake upstream, and a job runner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobStatus
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.jobs.helpers import wait_for

FAST = {
    "job_lease_s": 5.0,
    "job_heartbeat_s": 0.5,
    "job_poll_s": 0.05,
    "job_shutdown_grace_s": 1.0,
    "job_cancel_grace_s": 0.5,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(
    app: Any,
    db: Database,
    settings: Settings,
    provider_hub_on_fake: Any,  # noqa: F811
) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=provider_hub_on_fake, slots=4, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


async def finished(db: Database, response: httpx.Response, within_s: float = 60.0) -> Job:
    """The job a 202 answer started, once it has finished successfully."""
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=within_s)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    return job
