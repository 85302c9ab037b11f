"""A lean asyncio bridge to sqlite3 for SQLAlchemy's aiosqlite dialect.

aiosqlite sends every cursor call (create, execute, fetchall, close) and every commit to the
connection's thread separately; SQLAlchemy makes four of those hops per statement. Here a
statement is one hop (execute and fetch together), cursor creation and close stay on the event
loop, and commit/rollback outside a transaction cost nothing. The connection object offers the
subset of aiosqlite's interface that SQLAlchemy's adapter uses, so the dialect stays stock:
`create_async_engine(url, async_creator=connector(path))`. See docs/decisions/0006.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Sequence
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
_SQLITE_CONFIG_MEMSTATUS = 9


@functools.cache  # SQLite's configuration is the process's: tried once, by the first connector made
def stop_memory_statistics() -> bool:
    """Whether SQLite's allocation statistics are off in this process, turning them off if that is safe.

    Turns off SQLite's allocation statistics, which every allocation updates under one global
    mutex: with them on, statements on several threads take turns (three threads building list
    pages ran no faster than one). Python's module offers no sqlite3_config(), so it is called
    through the library the module uses, and only while SQLite holds no memory at all (no
    connection is open anywhere in the process), as sqlite3_shutdown() requires. Called when a
    SQLite connector is made (`connector`), so a process on PostgreSQL never touches SQLite. See
    decisions 0025 and 0051.
    """
    try:
        import _sqlite3

        library = ctypes.CDLL(_sqlite3.__file__)  # finds the symbols whether SQLite is linked in or shared
        library.sqlite3_memory_used.restype = ctypes.c_int64
        if library.sqlite3_memory_used() != 0:
            return False  # something holds SQLite memory (a connection): leave the library alone
        if library.sqlite3_shutdown() != 0:
            return False
        configured = bool(library.sqlite3_config(_SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == 0)
        if library.sqlite3_initialize() != 0:
            raise RuntimeError("sqlite3_initialize failed after reconfiguring SQLite")
        return configured
    except (OSError, AttributeError, ImportError) as exc:  # an SQLite without these entry points
        log.debug("SQLite allocation statistics stay on: %s", exc)
        return False


CONNECTION_PRAGMAS = (
    "busy_timeout=30000",
    "temp_store=MEMORY",
    # 1 MiB of page cache per connection (SQLite's default is 2 MiB): the OS caches the file as
    # well, and the server's resident memory is a tracked bar (README, #2).
    "cache_size=-1024",
)
"""Set on every connection, the engine's and the read path's."""

_Job = tuple["asyncio.Future[Any] | None", Callable[[], Any]]


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _serve(queue: SimpleQueue[_Job | None]) -> None:
    """The connection's thread: run each job, hand the outcome back to its event loop."""
    while True:
        job = queue.get()
        if job is None:
            return
        future, function = job
        try:
            result, error = function(), None
        except BaseException as exc:  # handed to the awaiting coroutine, not swallowed
            result, error = None, exc
        if future is not None:
            future.get_loop().call_soon_threadsafe(_resolve, future, result, error)


class Cursor:
    """Holds one statement's results; `execute` is the only call that leaves the loop."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Sequence[Any] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    def _run(self, method: str, sql: str, parameters: Any) -> None:
        conn = self._connection._conn
        if conn is None:
            raise ValueError("no active connection")
        cursor = conn.cursor()
        try:
            getattr(cursor, method)(sql, parameters)
            self.description = cursor.description
            self._rows = cursor.fetchall() if cursor.description else []
            self.rowcount = cursor.rowcount
            self.lastrowid = cursor.lastrowid
        finally:
            cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        await self._connection._call(lambda: self._run("execute", sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Any) -> Cursor:
        await self._connection._call(lambda: self._run("executemany", sql, parameters))
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size or self.arraysize
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._rows = []


class Connection:
    """An sqlite3 connection owned by one thread, driven from asyncio."""

    def __init__(self, database: str, **kwargs: Any) -> None:
        self._database = database
        self._kwargs = {**kwargs, "check_same_thread": False}
        self._tx: SimpleQueue[_Job | None] = SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=_serve, args=(self._tx,), name="mvidarr-sqlite", daemon=True)

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    async def _call(self, function: Callable[[], T]) -> T:
        if self._conn is None:
            raise ValueError("no active connection")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._tx.put_nowait((future, function))
        return await future

    async def _open(self) -> Connection:
        self._thread.start()
        future: asyncio.Future[sqlite3.Connection] = asyncio.get_running_loop().create_future()
        opened: list[sqlite3.Connection] = []

        def connect() -> sqlite3.Connection:
            opened.append(sqlite3.connect(self._database, **self._kwargs))
            return opened[0]

        def close_unused() -> None:
            for connection in opened:
                connection.close()

        self._tx.put_nowait((future, connect))
        try:
            self._conn = await future
        except BaseException:
            # Failed, or cancelled while the thread was opening: whatever it opened is closed there,
            # and the thread ends instead of waiting for statements that will never come.
            self._tx.put_nowait((None, close_unused))
            self._tx.put_nowait(None)
            raise
        return self

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def fetch_value(self, sql: str, parameters: Sequence[Any]) -> Any:
        """The first column of the first row (None without a row), in one trip to the thread."""
        conn = self._conn
        if conn is None:
            raise ValueError("no active connection")

        def run() -> Any:
            cursor = conn.execute(sql, parameters)
            try:
                row = cursor.fetchone()
            finally:
                cursor.close()  # ends the statement, and with it the read snapshot
            return None if row is None else row[0]

        return await self._call(run)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level if self._conn is not None else None

    async def commit(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction:
            await self._call(conn.commit)

    async def rollback(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction:
            await self._call(conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        conn = self._conn
        if conn is not None:
            await self._call(lambda: conn.create_function(*args, **kwargs))

    async def close(self) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            await self._call(conn.close)
        finally:
            self._conn = None
            self._tx.put_nowait(None)

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._tx.put_nowait((None, conn.close))
        self._tx.put_nowait(None)


def connector(database: str, **kwargs: Any) -> Callable[[], Awaitable[Connection]]:
    """An `async_creator` for create_async_engine opening `database` with sqlite3 `kwargs`."""
    stop_memory_statistics()

    def create() -> Awaitable[Connection]:
        return Connection(database, **kwargs)._open()

    return create
