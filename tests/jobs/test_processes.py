"""Whole `mvidarr worker` processes against one PostgreSQL: exactly-once, crash recovery,
restarts, and events crossing processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from sqlalchemy import func, select, text
from websockets.asyncio.client import connect

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service
from mvidarr.models import Job, JobStatus, Role
from tests.conftest import DatabaseTarget, access_token, make_user
from tests.events.test_ws import free_port, receive
from tests.jobs.handlers import EXECUTION_TABLE
from tests.jobs.helpers import load, wait_for

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.postgres_only,  # several processes share one PostgreSQL
]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_slots": 0, "job_poll_s": 0.2})


@pytest.fixture
def worker_env(tmp_path: Path, database_target: DatabaseTarget) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env.update(
        MVIDARR_DATA_DIR=str(tmp_path / "worker-data"),
        MVIDARR_DATABASE_URL=database_target.url.render_as_string(hide_password=False),
        MVIDARR_DATABASE_SCHEMA=database_target.pg_schema or "",
        MVIDARR_JOB_MODULES='["tests.jobs.handlers"]',
        MVIDARR_JOB_LEASE_S="1.5",
        MVIDARR_JOB_HEARTBEAT_S="0.3",
        MVIDARR_JOB_POLL_S="1.0",
        MVIDARR_JOB_SHUTDOWN_GRACE_S="0.3",
        MVIDARR_LOG_LEVEL="warning",
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
    )
    return env


class Workers:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Any] = []

    def start(self, slots: int = 4) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.procs)}.log").open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "worker", "--slots", str(slots)],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(worker_env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
async def executions(db: Database) -> AsyncIterator[None]:
    async with db.engine.begin() as conn:
        await conn.execute(
            text(f"CREATE TABLE {EXECUTION_TABLE} (job_id INTEGER PRIMARY KEY, attempt INTEGER, pid INTEGER)")
        )
    try:
        yield
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE {EXECUTION_TABLE}"))


async def enqueue_many(db: Database, hub: EventHub, count: int, params: dict[str, Any]) -> list[int]:
    ids = []
    async with db.writer() as session:
        for _ in range(count):
            job, _created = await service.enqueue(session, hub, "test.record", params)
            ids.append(job.id)
        await session.commit()
    return ids


async def count_status(db: Database, status: JobStatus) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count(Job.id)).where(Job.status == status)) or 0)


async def rows(db: Database) -> list[tuple[int, int, int]]:
    async with db.reader() as session:
        result = await session.execute(text(f"SELECT job_id, attempt, pid FROM {EXECUTION_TABLE} ORDER BY job_id"))
        return [(int(a), int(b), int(c)) for a, b, c in result.all()]


async def test_three_workers_run_a_thousand_jobs_exactly_once(
    app: Any, db: Database, workers: Workers, executions: None
) -> None:
    ids = await enqueue_many(db, app.state.events, 1000, {})
    procs = [workers.start(slots=8) for _ in range(3)]
    deadline = time.monotonic() + 60
    while await count_status(db, JobStatus.SUCCEEDED) < 1000:
        assert time.monotonic() < deadline, f"{await count_status(db, JobStatus.SUCCEEDED)} of 1000 done"
        assert all(p.poll() is None for p in procs), "a worker died"
        await asyncio.sleep(0.1)
    done = await rows(db)
    assert [job_id for job_id, _a, _p in done] == ids
    assert {attempt for _j, attempt, _p in done} == {1}
    assert {pid for _j, _a, pid in done} <= {p.pid for p in procs}
    assert len({pid for _j, _a, pid in done}) >= 2, "the work was not shared"
    assert await count_status(db, JobStatus.FAILED) == 0


async def test_killed_worker_job_is_finished_by_another_after_its_lease(
    app: Any, db: Database, workers: Workers, executions: None
) -> None:
    [job_id] = await enqueue_many(db, app.state.events, 1, {"sleep_s": 2.0})
    doomed = workers.start(slots=1)
    await wait_for(db, job_id, {JobStatus.RUNNING}, within_s=20)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    killed_at = time.monotonic()
    survivor = workers.start(slots=1)
    job = await wait_for(db, job_id, {JobStatus.SUCCEEDED}, within_s=20)
    assert job.attempts == 2
    assert await rows(db) == [(job_id, 2, survivor.pid)]
    # Reclaimed only after the lease (1.5 s) ran out, then run for 2 s.
    assert time.monotonic() - killed_at >= 2.0


async def test_restart_with_queued_and_running_jobs_loses_nothing(
    app: Any, db: Database, workers: Workers, executions: None
) -> None:
    ids = await enqueue_many(db, app.state.events, 6, {"sleep_s": 1.5})
    first = workers.start(slots=2)
    deadline = time.monotonic() + 20
    while await count_status(db, JobStatus.RUNNING) < 2:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=15) == 0
    # Graceful stop: the running ones went back to the queue, attempt not counted.
    assert await count_status(db, JobStatus.QUEUED) == 6
    workers.start(slots=6)
    for job_id in ids:
        assert (await wait_for(db, job_id, within_s=20)).status == JobStatus.SUCCEEDED
    done = await rows(db)
    assert sorted(job_id for job_id, _a, _p in done) == ids
    assert {attempt for _j, attempt, _p in done} == {1}


async def test_websocket_on_the_api_gets_events_of_a_job_run_by_a_worker_process(
    app: Any, db: Database, workers: Workers
) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None, ws="websockets-sansio")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no start event)
        await asyncio.sleep(0.01)
    try:
        token = await access_token(app, await make_user(app, "watcher", Role.READONLY))
        workers.start(slots=2)
        async with connect(f"ws://127.0.0.1:{port}/api/v1/ws") as ws:
            await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
            await ws.send('{"type": "subscribe", "topics": ["jobs"]}')
            await receive(ws, "snapshot")
            async with db.writer() as session:
                job, _ = await service.enqueue(session, app.state.events, "test.progress", {"seconds": 1.0})
                await session.commit()
            seen: list[dict[str, Any]] = []
            async with asyncio.timeout(20):
                while True:
                    message = orjson.loads(await ws.recv())
                    if message["type"].startswith("job.") and message["data"]["id"] == job.id:
                        seen.append(message)
                        if message["type"] == "job.finished":
                            break
        kinds = [m["type"] for m in seen]
        assert kinds[0] == "job.created"
        running = [m for m in seen if m["type"] == "job.progress" and m["data"]["progress"] > 0]
        assert running, kinds
        assert seen[-1]["data"]["status"] == "succeeded"
        assert seen[-1]["data"]["worker_id"] is None
        assert (await load(db, job.id)).result == {"steps": 5}
    finally:
        server.should_exit = True
        await serving


async def test_sigterm_with_twenty_running_jobs_loses_none(
    app: Any, db: Database, worker_env: dict[str, str], tmp_path: Path, executions: None
) -> None:
    """SIGTERM: no new job is taken; jobs that end within the grace period finish; the rest are given
    back at once (queued, no lease, attempt not counted) for another worker; the process exits
    within the grace period (plus the time to write the outcomes)."""
    grace_s = 3.0
    quick = await enqueue_many(db, app.state.events, 10, {"sleep_s": 1.0})
    slow = await enqueue_many(db, app.state.events, 10, {"sleep_s": 60.0})
    pool = Workers({**worker_env, "MVIDARR_JOB_SHUTDOWN_GRACE_S": str(grace_s)}, tmp_path)
    try:
        worker = pool.start(slots=20)
        deadline = time.monotonic() + 30
        while await count_status(db, JobStatus.RUNNING) < 20:
            assert time.monotonic() < deadline, "the worker did not start all 20 jobs"
            await asyncio.sleep(0.05)
        late = await enqueue_many(db, app.state.events, 1, {})  # queued while it stops: must not be taken
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 30) == 0
        took = time.monotonic() - started
    finally:
        pool.stop_all()
    assert took < grace_s + 6, f"exit took {took:.1f} s"
    for job_id in quick:
        job = await load(db, job_id)
        assert job.status == JobStatus.SUCCEEDED, (job_id, job.status)
    for job_id in [*slow, *late]:
        job = await load(db, job_id)
        assert job.status == JobStatus.QUEUED, (job_id, job.status)
        assert job.worker_id is None
        assert job.lease_expires_at is None
    done = await rows(db)
    assert sorted(job_id for job_id, _a, _p in done) == quick


async def test_metrics_show_each_worker_process_until_it_stops(
    app: Any, db: Database, client: Any, workers: Workers
) -> None:
    """`mvidarr worker` processes report memory, CPU, slots and running jobs; the API's scrape lists
    each live one by its id, and one that stops leaves the scrape."""
    from tests.metrics.test_metrics_api import scrape

    first, second = workers.start(slots=2), workers.start(slots=3)
    async with db.writer() as session:
        job, _ = await service.enqueue(session, app.state.events, "test.sleep", {"seconds": 3.0})
        await session.commit()
    deadline = time.monotonic() + 90  # two processes start (migration check, imports) on a loaded machine
    while True:
        found = await scrape(client)
        memory = {
            dict(labels)["worker"]: v
            for (name, labels), v in found.items()
            if name.startswith("mvidarr_worker_resident")
        }
        running = sum(v for (name, _), v in found.items() if name == "mvidarr_worker_running_jobs")
        if len(memory) == 2 and running == 1:
            break
        assert time.monotonic() < deadline, f"workers in the scrape: {memory}, running {running}"
        await asyncio.sleep(0.2)
    pids = {int(worker.split(":")[1]) for worker in memory}
    assert pids == {first.pid, second.pid}
    assert all(v > 10 * 1024 * 1024 for v in memory.values()), memory
    slots = sorted(v for (name, _), v in found.items() if name == "mvidarr_worker_job_slots")
    assert slots == [2, 3]
    cpu = [v for (name, _), v in found.items() if name == "mvidarr_worker_cpu_seconds"]
    assert len(cpu) == 2
    assert all(v > 0 for v in cpu)

    second.send_signal(signal.SIGTERM)
    second.wait(timeout=15)
    await wait_for(db, job.id, within_s=15)
    found = await scrape(client)
    left = {dict(labels)["worker"] for (name, labels) in found if name == "mvidarr_worker_resident_memory_bytes"}
    assert {int(worker.split(":")[1]) for worker in left} == {first.pid}, "a stopped worker leaves the scrape"
