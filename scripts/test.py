"""Run the whole suite on SQLite and on PostgreSQL when it is reachable.

PostgreSQL comes from MVIDARR_TEST_POSTGRES_URL (default: the local server's `test` database).
In CI (CI=true) an unreachable PostgreSQL is a failure, not a skip. Extra arguments go to pytest.

Tests marked `sqlite_only` (whole-process tests with their own SQLite data: the browser, the CLI,
the smoke journey, conformance) run once, in a leg of their own, so that the SQLite leg is not the
sum of both. The legs run at the same time (each has its own temp folder; much of a leg is waiting
on subprocesses, sockets and the browser, so three share a small machine well); each leg's output
is printed when it ends. MVIDARR_TEST_SERIAL=1 runs them one after the other, streaming.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Leg:
    label: str
    database: str
    marks: str
    """A pytest -m expression choosing the leg's tests (tests/conftest.py drops the other database's)."""


def _legs(postgres: str | None) -> list[Leg]:
    legs = [Leg("sqlite", "sqlite", "not sqlite_only"), Leg("processes (sqlite)", "sqlite", "sqlite_only")]
    if postgres is not None:
        legs.insert(1, Leg("postgresql", postgres, ""))
    return legs


def _command(leg: Leg, args: list[str], scratch: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "MVIDARR_TEST_DATABASE": leg.database}
    basetemp = scratch / leg.label.split()[0]
    marks = ["-m", leg.marks] if leg.marks else []
    # The slowest tests are listed at the end of each leg: the suite's time budget is watched there.
    return [sys.executable, "-m", "pytest", f"--basetemp={basetemp}", "--durations=15", *marks, *args], env


def _serial(legs: list[Leg], args: list[str], scratch: Path) -> int:
    status = 0
    for leg in legs:
        print(f"\n=== test suite, {leg.label} ===", flush=True)
        command, env = _command(leg, args, scratch)
        # 5: none of the leg's tests was chosen (e.g. `-k` named tests of another leg), not a failure.
        code = subprocess.call(command, env=env)
        status = (code if code != 5 else 0) or status
    return status


def _parallel(legs: list[Leg], args: list[str], scratch: Path) -> int:
    running = []
    for leg in legs:
        command, env = _command(leg, args, scratch)
        log = (scratch / f"{leg.label.split()[0]}.log").open("w+b")
        running.append((leg, subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    started = time.monotonic()
    status = 0
    for leg, process, log in running:
        code = process.wait()
        status = (code if code != 5 else 0) or status
        log.seek(0)
        print(f"\n=== test suite, {leg.label} (exit {code}, done after {time.monotonic() - started:.0f} s) ===")
        sys.stdout.flush()
        sys.stdout.buffer.write(log.read())
        sys.stdout.flush()
        log.close()
    print(f"\n=== all legs done in {time.monotonic() - started:.0f} s ===", flush=True)
    return status


def main() -> int:
    args = sys.argv[1:]
    in_ci = os.environ.get("CI", "").lower() == "true"
    postgres = os.environ.get("MVIDARR_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    status = 0
    problem = asyncio.run(_reachable(postgres))
    legs = _legs(postgres if problem is None else None)
    if problem is not None and in_ci:
        print(f"\nPostgreSQL at {postgres} is not reachable ({problem}); CI requires it.", flush=True)
        status = 1
    elif problem is not None:
        print(f"\nPostgreSQL leg skipped: {postgres} not reachable ({problem}).", flush=True)
    serial = os.environ.get("MVIDARR_TEST_SERIAL", "") not in ("", "0")
    with tempfile.TemporaryDirectory(prefix="mvidarr-tests-") as folder:
        run = _serial if serial else _parallel
        return run(legs, args, Path(folder)) or status


if __name__ == "__main__":
    sys.exit(main())
