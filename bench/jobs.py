"""Job queue benchmark: no-op throughput, enqueue-to-start latency, and live events to 200 sockets.

Run from the repo root: `.venv/bin/python -m bench.jobs [--jobs N] [--postgres URL] [--skip-...]`
(`make bench` runs it after the foundation benchmark).

1. SQLite, one process: a runner with 8 slots in this process; N `system.noop` jobs enqueued with
   `enqueue_many` (as bulk work is) in one transaction; jobs/s from the enqueue until the last one
   succeeded. Then 50 single jobs enqueued 50 ms apart on idle workers: p50/p95 of
   started_at - created_at.
2. PostgreSQL (when reachable), 4 `mvidarr worker` processes (`--pg-slots`, default 32 slots
   each; a worker records and claims a round of up to that many jobs per transaction) in a fresh
   schema, timed once all four are up: the same two measurements; the latency one crosses
   processes and rides on LISTEN/NOTIFY wake-ups.
3. `mvidarr serve` on SQLite with 200 WebSocket clients (bench/ws_clients.py, another process)
   subscribed to `jobs`; 500 no-op jobs started through the REST API; every client must receive
   every job's terminal event; the server's RSS is sampled throughout.
Results print as JSON with a PASS/FAIL line per bar; a full run (nothing skipped) also writes
bench/results/jobs-latest.json and jobs-<UTC>.json.
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
            _env_file=None,
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


async def bench_postgres(url: str, count: int, processes: int = 4, slots: int = 32) -> dict[str, Any]:
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
        await hub.start(listen=False)  # this process only enqueues; the workers hear the NOTIFYs
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
                            [sys.executable, "-m", "mvidarr", "worker", "--slots", str(slots)],
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
        "slots": slots,
        "jobs": count,
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def bench_websockets(clients: int = 200, jobs: int = 500) -> dict[str, Any]:
    """`mvidarr serve` (SQLite, 8 job slots) with `clients` sockets subscribed to `jobs` in another
    process; `jobs` no-op jobs started through the REST API; every client must see every one finish."""
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        env.update(
            MVIDARR_DATA_DIR=tmp,
            MVIDARR_ADMIN_USERNAME="watcher",
            MVIDARR_ADMIN_PASSWORD="queue-bench-passphrase-0123456789",
            MVIDARR_WORKER_SLOTS="8",
            MVIDARR_LOG_LEVEL="warning",
        )
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log_file:
            server = subprocess.Popen(  # noqa: ASYNC220  (start-up only, outside the measurement)
                [sys.executable, "-m", "mvidarr", "serve", "--port", str(port)], env=env, cwd=REPO, stderr=log_file
            )
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if (await http.get("/api/v1/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("server did not start: " + log_path.read_text()[-500:])
                    await asyncio.sleep(0.1)
                login = await http.post(
                    "/api/v1/auth/login", json={"username": "watcher", "password": "queue-bench-passphrase-0123456789"}
                )
                login.raise_for_status()
                token = login.json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                await http.get("/api/v1/jobs", headers=headers)  # warm the code paths
                rss_before = _rss_mb(server.pid)
                listeners = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.ws_clients",
                    "--url",
                    f"ws://127.0.0.1:{port}/api/v1/ws",
                    "--token",
                    token,
                    "--clients",
                    str(clients),
                    "--expect",
                    str(jobs),
                    cwd=REPO,
                    stdout=asyncio.subprocess.PIPE,
                )
                assert listeners.stdout is not None
                ready = await asyncio.wait_for(listeners.stdout.readline(), 120)
                if ready.strip() != b"ready":
                    raise RuntimeError(f"websocket clients failed: {ready!r}")
                rss_connected = _rss_mb(server.pid)
                peak = rss_connected
                started = time.perf_counter()
                semaphore = asyncio.Semaphore(8)

                async def start_one() -> None:
                    async with semaphore:
                        response = await http.post(
                            "/api/v1/jobs", json={"type": "system.noop", "params": {}}, headers=headers
                        )
                        response.raise_for_status()

                starting = asyncio.gather(*(start_one() for _ in range(jobs)))
                outcome = asyncio.ensure_future(listeners.stdout.readline())
                while not outcome.done():
                    peak = max(peak, _rss_mb(server.pid))
                    await asyncio.sleep(0.05)
                await starting
                elapsed = time.perf_counter() - started
                result = json.loads(outcome.result())
                await listeners.wait()
                rss_after = _rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return {
        **result,
        "jobs": jobs,
        "seconds_enqueue_to_last_event": round(elapsed, 2),
        "server_rss_mb": {
            "before_clients": round(rss_before, 1),
            "clients_connected": round(rss_connected, 1),
            "peak": round(peak, 1),
            "after": round(rss_after, 1),
        },
        "server_rss_growth_mb": round(peak - rss_before, 1),
    }


BARS: list[tuple[str, str, Any]] = [
    ("no-op jobs/s, SQLite, one process >= 400", "sqlite_in_process", lambda r: r["jobs_per_s"] >= 400),
    ("enqueue to start p50 < 20 ms in-process", "sqlite_in_process", lambda r: r["enqueue_to_start"]["p50_ms"] < 20),
    ("no-op jobs/s, PostgreSQL, 4 workers >= 1000", "postgres_4_workers", lambda r: r["jobs_per_s"] >= 1000),
    (
        "enqueue to start p50 < 50 ms across processes",
        "postgres_4_workers",
        lambda r: r["enqueue_to_start_cross_process"]["p50_ms"] < 50,
    ),
    (
        "200 WebSocket clients get every terminal event of 500 jobs",
        "websockets_200_clients",
        lambda r: r["all_received_every_terminal_event"],
    ),
    ("server RSS growth < 50 MB with 200 clients", "websockets_200_clients", lambda r: r["server_rss_growth_mb"] < 50),
]


def verdicts(results: dict[str, Any]) -> list[str]:
    lines = []
    for label, key, check in BARS:
        result = results.get(key)
        if result is None or "skipped" in result:
            lines.append(f"SKIP {label}")
        else:
            lines.append(f"{'PASS' if check(result) else 'FAIL'} {label}")
    return lines


def main(argv: list[str] | None = None) -> int:
    summary = __doc__.splitlines()[0] if __doc__ else None
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=summary)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--postgres", default=os.environ.get("MVIDARR_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--pg-slots", type=int, default=32, help="job slots of each PostgreSQL worker process")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-websockets", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpus": os.cpu_count()}
    if not args.skip_sqlite:
        results["sqlite_in_process"] = asyncio.run(bench_sqlite(args.jobs))
    if not args.skip_postgres:
        try:
            results["postgres_4_workers"] = asyncio.run(bench_postgres(args.postgres, args.jobs, slots=args.pg_slots))
        except OSError as exc:
            results["postgres_4_workers"] = {"skipped": str(exc)}
    if not args.skip_websockets:
        results["websockets_200_clients"] = asyncio.run(bench_websockets())
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bars"] = verdicts(results)
    text = json.dumps(results, indent=2) + "\n"
    if not (args.skip_sqlite or args.skip_postgres or args.skip_websockets):  # partial runs only print
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = results["date"].replace("-", "").replace(":", "")
        for name in ("jobs-latest.json", f"jobs-{stamp}.json"):
            (RESULTS / name).write_text(text)
    print(text, end="")
    print("\n".join(results["bars"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
