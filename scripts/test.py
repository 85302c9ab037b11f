"""Run the whole suite on SQLite and on PostgreSQL when it is reachable.

PostgreSQL comes from MVIDARR_TEST_POSTGRES_URL (default: the local server's `test` database).
In CI (CI=true) an unreachable PostgreSQL is a failure, not a skip. Extra arguments go to pytest.

The two legs run at the same time (each has its own temp folder; much of a leg is waiting on
subprocesses, sockets and the browser, so two share a small machine well); each leg's output is
printed when it ends. MVIDARR_TEST_SERIAL=1 runs them one after the other, streaming.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _reachable(url: str) -> str | None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with asyncio.timeout(5), engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        return None
    except Exception as exc:  # any failure means "not reachable"; report why
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    finally:
        await engine.dispose()


def _label(database: str) -> str:
    return "sqlite" if database == "sqlite" else "postgresql"


def _command(database: str, args: list[str], scratch: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "MVIDARR_TEST_DATABASE": database}
    basetemp = scratch / _label(database)
    # The slowest tests are listed at the end of each leg: the suite's time budget is watched there.
    return [sys.executable, "-m", "pytest", f"--basetemp={basetemp}", "--durations=15", *args], env


def _serial(databases: list[str], args: list[str], scratch: Path) -> int:
    status = 0
    for database in databases:
        print(f"\n=== test suite on {_label(database)} ===", flush=True)
        command, env = _command(database, args, scratch)
        status = subprocess.call(command, env=env) or status
    return status


def _parallel(databases: list[str], args: list[str], scratch: Path) -> int:
    running = []
    for database in databases:
        command, env = _command(database, args, scratch)
        log = (scratch / f"{_label(database)}.log").open("w+b")
        running.append((database, subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    started = time.monotonic()
    status = 0
    for database, process, log in running:
        code = process.wait()
        status = code or status
        log.seek(0)
        print(f"\n=== test suite on {_label(database)} (exit {code}) ===", flush=True)
        sys.stdout.buffer.write(log.read())
        sys.stdout.flush()
        log.close()
    print(f"\n=== both legs done in {time.monotonic() - started:.0f} s ===", flush=True)
    return status


def main() -> int:
    args = sys.argv[1:]
    in_ci = os.environ.get("CI", "").lower() == "true"
    postgres = os.environ.get("MVIDARR_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    databases = ["sqlite"]
    status = 0
    problem = asyncio.run(_reachable(postgres))
    if problem is None:
        databases.append(postgres)
    elif in_ci:
        print(f"\nPostgreSQL at {postgres} is not reachable ({problem}); CI requires it.", flush=True)
        status = 1
    else:
        print(f"\nPostgreSQL leg skipped: {postgres} not reachable ({problem}).", flush=True)
    serial = os.environ.get("MVIDARR_TEST_SERIAL", "") not in ("", "0") or len(databases) == 1
    with tempfile.TemporaryDirectory(prefix="mvidarr-tests-") as folder:
        run = _serial if serial else _parallel
        return run(databases, args, Path(folder)) or status


if __name__ == "__main__":
    sys.exit(main())
