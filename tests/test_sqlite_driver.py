"""SQLite's global allocation statistics are off in MVidarr's processes, but only when that is safe."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_statistics_are_off_and_connections_work(tmp_path: Path) -> None:
    out = _run(
        f"""
        import ctypes, _sqlite3, sqlite3
        from mvidarr import sqlite_driver
        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        conn = sqlite3.connect({str(tmp_path)!r} + "/t.db")
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
        total = conn.execute("SELECT sum(x) FROM t").fetchone()[0]
        print(sqlite_driver.MEMORY_STATISTICS_OFF, library.sqlite3_memory_used(), total)
        """
    )
    # Off: SQLite no longer counts (so takes no global lock on) its allocations.
    assert out == "True 0 499500"


def test_statistics_stay_on_when_a_connection_was_already_open() -> None:
    out = _run(
        """
        import sqlite3
        before = sqlite3.connect(":memory:")
        before.execute("CREATE TABLE t (x)")
        from mvidarr import sqlite_driver
        before.execute("INSERT INTO t VALUES (1)")
        print(sqlite_driver.MEMORY_STATISTICS_OFF, before.execute("SELECT count(*) FROM t").fetchone()[0])
        """
    )
    assert out == "False 1", "SQLite is never shut down under an open connection"
