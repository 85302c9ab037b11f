"""The SQLite driver (mvidarr.sqlite_driver): its contract with SQLAlchemy's aiosqlite adapter and with
asyncio (errors, cancellation, failed opens, thread shutdown: no thread outlives its connection),
and SQLite's global allocation statistics, off in MVidarr's processes on SQLite only, and only when
that is safe."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mvidarr.sqlite_driver import connector

pytestmark = pytest.mark.sqlite_only
SLOW = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000) SELECT count(*) FROM n"


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
        sqlite_driver.connector({str(tmp_path)!r} + "/t.db")  # made before any connection opens
        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        conn = sqlite3.connect({str(tmp_path)!r} + "/t.db")
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
        total = conn.execute("SELECT sum(x) FROM t").fetchone()[0]
        print(sqlite_driver.stop_memory_statistics(), library.sqlite3_memory_used(), total)
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
        sqlite_driver.connector("unused.db")
        before.execute("INSERT INTO t VALUES (1)")
        print(sqlite_driver.stop_memory_statistics(), before.execute("SELECT count(*) FROM t").fetchone()[0])
        """
    )
    assert out == "False 1", "SQLite is never shut down under an open connection"


def test_a_process_on_postgresql_leaves_sqlite_alone() -> None:
    """Only a SQLite connector reconfigures SQLite: the app and a PostgreSQL database do not."""
    out = _run(
        """
        import ctypes, _sqlite3, sqlite3
        from sqlalchemy.engine import make_url
        import mvidarr.app
        from mvidarr.db import Database
        Database.connect(make_url("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
        library = ctypes.CDLL(_sqlite3.__file__)
        library.sqlite3_memory_used.restype = ctypes.c_int64
        sqlite3.connect(":memory:").execute("SELECT 1")
        print(library.sqlite3_memory_used() > 0)
        """
    )
    assert out == "True", "SQLite still counts its allocations: nothing reconfigured it"


def _driver_threads() -> set[threading.Thread]:
    """The driver's threads now. Tests compare sets, not counts: another test's threads may end meanwhile."""
    return {thread for thread in threading.enumerate() if thread.name == "mvidarr-sqlite"}


async def _threads_settle_at(before: set[threading.Thread]) -> None:
    """Threads end a moment after their connection: wait until none but those running before is left."""
    for _ in range(500):
        if not _driver_threads() - before:
            break
        await asyncio.sleep(0.01)
    left = _driver_threads() - before
    assert not left, f"{len(left)} driver thread(s) left running"


@pytest.mark.anyio
async def test_a_failed_open_raises_sqlites_error_and_leaves_no_thread(tmp_path: Path) -> None:
    before = _driver_threads()
    for _ in range(3):
        with pytest.raises(sqlite3.OperationalError, match="unable to open"):
            await connector(str(tmp_path / "missing" / "folder" / "x.db"))()
    await _threads_settle_at(before)


@pytest.mark.anyio
async def test_an_open_cancelled_midway_closes_what_it_opened_and_leaves_no_thread(tmp_path: Path) -> None:
    before = _driver_threads()
    for _ in range(5):
        opening = asyncio.ensure_future(connector(str(tmp_path / "x.db"))())
        await asyncio.sleep(0)
        opening.cancel()
        with pytest.raises(asyncio.CancelledError):
            await opening
    await _threads_settle_at(before)


@pytest.mark.anyio
async def test_errors_reach_the_caller_as_sqlites_and_the_connection_goes_on(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "x.db"))()
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.fetch_value("SELECT x FROM missing", ())
        cursor = connection.cursor()
        with pytest.raises(sqlite3.OperationalError, match="syntax error"):
            await cursor.execute("SELEKT 1")
        await cursor.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT UNIQUE)")
        await cursor.execute("INSERT INTO t (y) VALUES (?)", ("a",))
        with pytest.raises(sqlite3.IntegrityError):
            await cursor.execute("INSERT INTO t (y) VALUES (?)", ("a",))
        assert await connection.fetch_value("SELECT count(*) FROM t", ()) == 1
    finally:
        await connection.close()


@pytest.mark.anyio
async def test_a_cancelled_statement_leaves_the_connection_usable(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "x.db"))()
    try:
        slow = asyncio.ensure_future(connection.fetch_value(SLOW, ()))
        await asyncio.sleep(0.01)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        # The statement runs on to its end on the thread; the next one is answered after it, correctly.
        assert await connection.fetch_value("SELECT ?", (42,)) == 42
    finally:
        await connection.close()


@pytest.mark.anyio
async def test_the_cursor_offers_what_sqlalchemys_adapter_calls(tmp_path: Path) -> None:
    connection = await connector(str(tmp_path / "x.db"))()
    try:
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT)")
        await cursor.executemany("INSERT INTO t (y) VALUES (?)", [("a",), ("b",), ("c",)])
        assert cursor.rowcount == 3
        await cursor.execute("INSERT INTO t (y) VALUES (?)", ("d",))
        assert cursor.lastrowid == 4
        assert connection.isolation_level == ""  # sqlite3's default: the engine's connect hook sets None
        await connection.commit()
        await cursor.execute("SELECT x, y FROM t ORDER BY x")
        assert [d[0] for d in cursor.description or ()] == ["x", "y"]
        assert await cursor.fetchone() == (1, "a")
        assert await cursor.fetchmany(2) == [(2, "b"), (3, "c")]
        assert await cursor.fetchall() == [(4, "d")]
        assert await cursor.fetchall() == []
        await cursor.close()
        await connection.rollback()  # outside a transaction: nothing to do, no trip to the thread
    finally:
        await connection.close()


@pytest.mark.anyio
async def test_a_transaction_commits_or_rolls_back(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    connection = await connector(path)()
    other = await connector(path)()
    try:
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE t (x)")
        await connection.commit()
        await cursor.execute("INSERT INTO t VALUES (1)")
        await connection.rollback()
        await cursor.execute("INSERT INTO t VALUES (2)")
        await connection.commit()
        assert await other.fetch_value("SELECT group_concat(x) FROM t", ()) == "2"
    finally:
        await connection.close()
        await other.close()


@pytest.mark.anyio
async def test_closing_ends_the_thread_and_refuses_further_calls(tmp_path: Path) -> None:
    before = _driver_threads()
    closed = await connector(str(tmp_path / "x.db"))()
    stopped = await connector(str(tmp_path / "x.db"))()
    assert len(_driver_threads() - before) == 2
    busy = asyncio.ensure_future(closed.fetch_value(SLOW, ()))
    await asyncio.sleep(0.01)
    await closed.close()  # queued behind the statement in hand, which is answered first
    assert await busy == 3000000
    stopped.stop()  # SQLAlchemy's terminate: does not wait
    await _threads_settle_at(before)
    for connection in (closed, stopped):
        with pytest.raises(ValueError, match="no active connection"):
            await connection.fetch_value("SELECT 1", ())
        await connection.close()  # again: nothing to do
