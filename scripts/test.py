"""Run the whole suite on SQLite, then on PostgreSQL when it is reachable.

PostgreSQL comes from MVIDARR_TEST_POSTGRES_URL (default: the local server's `test` database).
In CI (CI=true) an unreachable PostgreSQL is a failure, not a skip. Extra arguments go to pytest.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

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


def _pytest(database: str, args: list[str]) -> int:
    env = {**os.environ, "MVIDARR_TEST_DATABASE": database}
    label = "sqlite" if database == "sqlite" else "postgresql"
    print(f"\n=== test suite on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    in_ci = os.environ.get("CI", "").lower() == "true"
    postgres = os.environ.get("MVIDARR_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    status = _pytest("sqlite", args)
    problem = asyncio.run(_reachable(postgres))
    if problem is None:
        status = _pytest(postgres, args) or status
    elif in_ci:
        print(f"\nPostgreSQL at {postgres} is not reachable ({problem}); CI requires it.", flush=True)
        status = status or 1
    else:
        print(f"\nPostgreSQL leg skipped: {postgres} not reachable ({problem}).", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
