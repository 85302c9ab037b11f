from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from mvidarr.db import Database
from mvidarr.jobs import repository
from mvidarr.models import Job, JobStatus


async def load(db: Database, job_id: int) -> Job:
    async with db.reader() as session:
        job = await repository.get(session, job_id)
    assert job is not None
    return job


async def wait_for(
    db: Database,
    job_id: int,
    statuses: Iterable[JobStatus] = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED),
    within_s: float = 10.0,
) -> Job:
    wanted = set(statuses)
    deadline = time.monotonic() + within_s
    while True:
        job = await load(db, job_id)
        if job.status in wanted:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job.status}, wanted {sorted(wanted)}")
        await asyncio.sleep(0.02)
