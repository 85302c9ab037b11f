"""`system.prune_jobs`: finished jobs older than `jobs.retention_days` go (with their children and
logs), active and recent ones stay, and every job's log is capped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from mvidarr.db import Database
from mvidarr.jobs import tasks
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobLog, JobStatus
from tests.jobs.conftest import FakeClock
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def add_job(
    db: Database, clock: FakeClock, status: JobStatus, age_days: float, parent_id: int | None = None
) -> int:
    at = clock.now() - timedelta(days=age_days)
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    async with db.writer() as session:
        job = Job(
            type="test.sleep",
            status=status,
            params={},
            created_at=at,
            run_after=at,
            finished_at=at if finished else None,
            parent_id=parent_id,
        )
        session.add(job)
        await session.commit()
    return job.id


async def add_logs(db: Database, job_id: int, count: int) -> None:
    rows = [{"job_id": job_id, "level": "info", "message": f"line {n}"} for n in range(count)]
    async with db.writer() as session:
        await session.execute(insert(JobLog), rows)
        await session.commit()


async def existing(db: Database) -> set[int]:
    async with db.reader() as session:
        return set((await session.execute(select(Job.id))).scalars().all())


async def log_lines(db: Database, job_id: int) -> list[str]:
    async with db.reader() as session:
        stmt = select(JobLog.message).where(JobLog.job_id == job_id).order_by(JobLog.id)
        return list((await session.execute(stmt)).scalars().all())


async def prune(client: httpx.AsyncClient, db: Database, params: dict[str, Any] | None = None) -> Job:
    response = await client.post("/api/v1/jobs", json={"type": "system.prune_jobs", "params": params or {}})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=20)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


async def test_prunes_by_the_retention_setting_and_caps_logs(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner, clock: FakeClock
) -> None:
    response = await client.patch("/api/v1/settings", json={"jobs.retention_days": 10})
    assert response.status_code == 200, response.text
    old_done = await add_job(db, clock, JobStatus.SUCCEEDED, 40)
    old_failed = await add_job(db, clock, JobStatus.FAILED, 11)
    old_cancelled = await add_job(db, clock, JobStatus.CANCELLED, 365)
    recent = await add_job(db, clock, JobStatus.SUCCEEDED, 9)
    old_queued = await add_job(db, clock, JobStatus.QUEUED, 50)
    old_running = await add_job(db, clock, JobStatus.RUNNING, 50)
    old_parent = await add_job(db, clock, JobStatus.SUCCEEDED, 20)
    # Children are judged with their parent (even one that finished recently).
    children = [await add_job(db, clock, JobStatus.SUCCEEDED, age, parent_id=old_parent) for age in (20, 1)]
    grandchild = await add_job(db, clock, JobStatus.SUCCEEDED, 20, parent_id=children[0])
    recent_parent = await add_job(db, clock, JobStatus.SUCCEEDED, 2)
    old_child_of_recent = await add_job(db, clock, JobStatus.SUCCEEDED, 30, parent_id=recent_parent)
    await add_logs(db, old_done, 5)
    await add_logs(db, recent, tasks.MAX_LOG_LINES_PER_JOB + 25)

    job = await prune(client, db)
    assert job.result == {"deleted_jobs": 7, "trimmed_log_lines": 25, "retention_days": 10}
    left = await existing(db)
    for gone in (old_done, old_failed, old_cancelled, old_parent, *children, grandchild):
        assert gone not in left
    for kept in (recent, old_queued, old_running, recent_parent, old_child_of_recent, job.id):
        assert kept in left
    assert await log_lines(db, old_done) == []
    lines = await log_lines(db, recent)
    assert len(lines) == tasks.MAX_LOG_LINES_PER_JOB
    assert lines[0] == "line 25"  # the newest lines are kept
    assert lines[-1] == f"line {tasks.MAX_LOG_LINES_PER_JOB + 24}"
    own = (await client.get(f"/api/v1/jobs/{job.id}/logs")).json()["items"]
    assert own[0]["message"].startswith("deleted 7 jobs finished before")

    # A params override wins over the setting; the default is 30 days.
    assert (await prune(client, db, {"retention_days": 5})).result == {
        "deleted_jobs": 1,
        "trimmed_log_lines": 0,
        "retention_days": 5,
    }
    assert recent not in await existing(db)
    response = await client.patch("/api/v1/settings", json={"jobs.retention_days": None})
    assert response.status_code == 200
    assert (await prune(client, db)).result == {"deleted_jobs": 0, "trimmed_log_lines": 0, "retention_days": 30}


async def test_prunes_in_batches(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner, clock: FakeClock, monkeypatch: Any
) -> None:
    monkeypatch.setattr(tasks, "PRUNE_BATCH", 3)
    at = clock.now() - timedelta(days=100)
    async with db.writer() as session:
        rows = [
            {"type": "test.sleep", "status": JobStatus.SUCCEEDED, "params": {}, "created_at": at, "finished_at": at}
            for _ in range(10)
        ]
        await session.execute(insert(Job), rows)
        await session.commit()
    job = await prune(client, db)
    assert job.result is not None
    assert job.result["deleted_jobs"] == 10
    async with db.reader() as session:
        assert await session.scalar(select(func.count(Job.id))) == 1


@pytest.mark.parametrize("params", [{"retention_days": 0}, {"retention_days": 4000}, {"days": 3}])
async def test_bad_params(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await client.post("/api/v1/jobs", json={"type": "system.prune_jobs", "params": params})
    assert response.status_code == 422
