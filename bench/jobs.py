"""Job queue benchmark: no-op throughput and enqueue-to-start latency.

Run from the repo root: `.venv/bin/python -m bench.jobs [--jobs N] [--postgres URL]`.

1. SQLite, one process: a runner with 8 slots in this process; N `system.noop` jobs enqueued in
   one transaction; jobs/s from the commit until the last one succeeded. Then 50 single jobs
   enqueued 50 ms apart on idle workers: p50/p95 of started_at - created_at.
2. PostgreSQL (when reachable), 4 `mvidarr worker` processes in a fresh schema: the same two
   measurements; the latency one crosses processes and rides on LISTEN/NOTIFY wake-ups.
Results print as JSON and go to bench/results/jobs-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service
from mvidarr.jobs.runner import Runner, load_job_types
from mvidarr.migrations import upgrade
from mvidarr.models import Job, JobStatus

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _enqueue(db: Database, hub: EventHub, count: int) -> None:
    """Bulk enqueue as a bulk job would (`enqueue_many`): 500 jobs per multi-row INSERT."""
    async with db.writer() as session:
        for start in range(0, count, 500):
            await service.enqueue_many(session, hub, "system.noop", [{}] * min(500, count - start))
        await session.commit()


async def _succeeded(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count(Job.id)).where(Job.status == JobStatus.SUCCEEDED)) or 0)


async def _throughput(db: Database, hub: EventHub, count: int) -> float:
    before = await _succeeded(db)
    started = time.perf_counter()
    await _enqueue(db, hub, count)
    while await _succeeded(db) < before + count:  # noqa: ASYNC110  (polls the database, not a flag)
        await asyncio.sleep(0.01)
    return count / (time.perf_counter() - started)


async def _latency(db: Database, hub: EventHub, samples: int = 50) -> dict[str, float]:
    waits: list[float] = []
    for _ in range(samples):
        async with db.writer() as session:
            job, _ = await service.enqueue(session, hub, "system.noop", {})
            await session.commit()
        while True:
            async with db.reader() as session:
                row = await session.get(Job, job.id, populate_existing=True)
            if row is not None and row.started_at is not None:
                waits.append((row.started_at - row.created_at).total_seconds() * 1000)
                break
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.05)
    waits.sort()
    return {"p50_ms": round(statistics.median(waits), 2), "p95_ms": round(waits[int(len(waits) * 0.95) - 1], 2)}


async def bench_sqlite(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            worker_slots=8,
            job_poll_s=1.0,
            log_level="warning",
            _env_file=None,  # type: ignore[call-arg]
        )
        db = Database.connect(settings.database, pool_size=10)
        await upgrade(db.engine)
        load_job_types()
        hub = EventHub(db)
        await hub.start()
        runner = Runner(db, hub, settings, run_schedules=False)
        await runner.start()
        try:
            rate = await _throughput(db, hub, count)
            latency = await _latency(db, hub)
        finally:
            await runner.stop()
            await hub.stop()
            await db.dispose()
    return {"jobs_per_s": round(rate, 1), "enqueue_to_start": latency, "slots": 8, "jobs": count}


async def _wait_ready(logs: list[Path], within_s: float = 60.0) -> None:
    """Until every worker printed its start line (imports, migration check and LISTEN done)."""
    deadline = time.monotonic() + within_s
    while not all(b"running" in log.read_bytes() for log in logs):
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start: " + " | ".join(log.read_text()[-300:] for log in logs))
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)


async def bench_postgres(url: str, count: int, processes: int = 4) -> dict[str, Any]:
    schema = f"mvidarr_bench_{uuid.uuid4().hex[:8]}"
    admin = Database.connect(make_url(url), pool_size=1)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.connect(make_url(url), pool_size=10, pg_schema=schema)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await upgrade(db.engine)
        load_job_types()
        hub = EventHub(db)
        await hub.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        with tempfile.TemporaryDirectory() as tmp:
            env.update(
                MVIDARR_DATA_DIR=tmp,
                MVIDARR_DATABASE_URL=url,
                MVIDARR_DATABASE_SCHEMA=schema,
                MVIDARR_JOB_POLL_S="2",
                MVIDARR_LOG_LEVEL="warning",
            )
            logs = [Path(tmp) / f"worker-{n}.log" for n in range(processes)]
            for log_path in logs:
                with log_path.open("wb") as log_file:
                    procs.append(
                        subprocess.Popen(  # noqa: ASYNC220  (start-up only, outside the measurement)
                            [sys.executable, "-m", "mvidarr", "worker", "--slots", "16"],
                            env=env,
                            cwd=REPO,
                            stderr=log_file,
                        )
                    )
            await _wait_ready(logs)
            try:
                rate = await _throughput(db, hub, count)
                latency = await _latency(db, hub)
            finally:
                for proc in procs:
                    proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    proc.wait(timeout=30)
        await hub.stop()
    finally:
        await db.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()
    return {
        "jobs_per_s": round(rate, 1),
        "enqueue_to_start_cross_process": latency,
        "processes": processes,
        "slots": 16,
        "jobs": count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--postgres", default=os.environ.get("MVIDARR_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if not args.skip_sqlite:
        results["sqlite_in_process"] = asyncio.run(bench_sqlite(args.jobs))
    if not args.skip_postgres:
        try:
            results["postgres_4_workers"] = asyncio.run(bench_postgres(args.postgres, args.jobs))
        except OSError as exc:
            results["postgres_4_workers"] = {"skipped": str(exc)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jobs-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
