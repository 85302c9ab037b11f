"""The read path of the hot GETs: one read-only statement, straight on a pooled driver connection.

A request's `AsyncSession` costs more than the statements it runs for a page the database builds
as JSON: opening the session, the ORM's execution path, a greenlet switch per driver call, result
metadata, then commit and close. `Reads.scalar(stmt, values)` compiles `stmt` once for the
database's dialect (kept by the statement object, so build statements once: see
`kit.queries.StatementCache`), binds the values positionally, and makes one trip to a connection
of its own small pool: one hand-off to the connection's thread on SQLite, one asyncpg call on
PostgreSQL. See docs/decisions/0024.

No transaction is held: each statement reads the latest committed state (SQLite gives every
statement a consistent snapshot; PostgreSQL reads committed). The connections refuse writes
(SQLite `query_only`, PostgreSQL `default_transaction_read_only`), so this path cannot change data.
Code that must see its own unit of work's changes runs the same statement on the session instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

from mvidarr import sqlite_driver
from mvidarr.errors import ConfigError

_REQUIRED = object()
_MAX_COMPILED = 512


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQL for one dialect and, per positional parameter, where its value comes from."""

    statement: ClauseElement  # held, so the id this entry is kept under is never reused meanwhile
    compiled: SQLCompiler
    sql: str
    positions: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]  # (name, default, processor)
    expanding: bool  # IN lists: the SQL is expanded per execution

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        assert compiled.positiontup is not None, "positional dialects only"
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        processors: Mapping[str, Any] = compiled._bind_processors
        positions: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup:
            bind = by_name[name]
            default = _REQUIRED if bind.required else bind.effective_value
            processor = processors.get(name)
            assert processor is None or callable(processor), "no tuple binds on the read path"
            positions.append((name, default, processor))
        # IN lists (and literal-execute values) are rendered into the SQL at each execution.
        expanding = bool(compiled.post_compile_params)
        return cls(statement, compiled, compiled.string, tuple(positions), expanding)

    def bind(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL to run and its positional arguments for these values."""
        if self.expanding:
            state = self.compiled.construct_expanded_state(dict(values))
            args = []
            expanded_processors: Mapping[str, Any] = state.processors
            for name in state.positiontup or ():
                value = state.parameters[name]
                processor = expanded_processors.get(name)
                args.append(processor(value) if processor is not None and value is not None else value)
            return state.statement, args
        args = []
        for name, default, processor in self.positions:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the statement's parameter {name!r}")
            args.append(processor(value) if processor is not None and value is not None else value)
        return self.sql, args


class _Pool(Protocol):
    size: int

    @property
    def open_connections(self) -> int: ...

    async def fetch_value(self, sql: str, args: Sequence[Any]) -> Any: ...

    async def close(self) -> None: ...


class _SqlitePool:
    """SQLite connections each queue statements on their own thread: a statement goes straight to
    the connection with the fewest in hand, so a thread runs the next one as soon as it is done,
    without a trip through the event loop between them. No statement holds a transaction, so any
    connection may take any statement."""

    def __init__(self, path: str, size: int) -> None:
        self._path = path
        self.size = size
        self._connections: list[sqlite_driver.Connection] = []
        self._pending: dict[int, int] = {}  # id(connection) -> statements given to it, not yet answered
        self._opening = asyncio.Lock()  # one at a time: each opener sees what the one before opened
        self._closed = False

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def _open(self) -> sqlite_driver.Connection:
        connection = await sqlite_driver.connector(self._path, timeout=30)()
        try:
            for pragma in ("query_only=ON", *sqlite_driver.CONNECTION_PRAGMAS):
                await connection.fetch_value(f"PRAGMA {pragma}", ())
        except BaseException:
            await connection.close()
            raise
        if self._closed:
            await connection.close()
            raise RuntimeError("the read pool is closed")
        self._connections.append(connection)
        self._pending[id(connection)] = 0
        return connection

    def _usable(self) -> sqlite_driver.Connection | None:
        """The least busy connection, unless it is busy and the pool may open another."""
        pending = self._pending
        best = None
        for connection in self._connections:
            count = pending[id(connection)]
            if count == 0:
                return connection
            if best is None or count < pending[id(best)]:
                best = connection
        return best if len(self._connections) >= self.size else None

    async def _connection(self) -> sqlite_driver.Connection:
        connection = self._usable()
        if connection is not None:
            return connection
        async with self._opening:
            return self._usable() or await self._open()

    async def fetch_value(self, sql: str, args: Sequence[Any]) -> Any:
        if self._closed:
            raise RuntimeError("the read pool is closed")
        connection = await self._connection()
        key = id(connection)
        self._pending[key] += 1
        try:
            return await connection.fetch_value(sql, args)
        finally:
            self._pending[key] -= 1

    async def close(self) -> None:
        self._closed = True
        connections, self._connections = self._connections, []
        for connection in connections:
            await connection.close()  # queued behind the statements it still has


class _PostgresPool:
    """asyncpg runs one statement at a time per connection: each statement borrows a connection
    and gives it back; a connection whose statement failed or was interrupted is closed, never
    reused (it may be in any state)."""

    def __init__(self, opener: Callable[[], Awaitable[Any]], size: int) -> None:
        self._open = opener
        self.size = size
        self._idle: list[Any] = []
        self._opened = 0
        self._waiters: deque[asyncio.Future[Any]] = deque()
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._opened

    async def fetch_value(self, sql: str, args: Sequence[Any]) -> Any:
        connection = await self._acquire()
        try:
            value = await connection.fetchval(sql, *args)
        except BaseException:
            await self._discard(connection)
            raise
        if self._closed:
            await self._discard(connection)
        else:
            self._release(connection)
        return value

    async def _acquire(self) -> Any:
        if self._closed:
            raise RuntimeError("the read pool is closed")
        if self._idle:
            return self._idle.pop()
        if self._opened < self.size:
            return await self._open_one()
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as we were cancelled
            raise

    async def _open_one(self) -> Any:
        self._opened += 1
        try:
            return await self._open()
        except BaseException:
            self._opened -= 1
            raise

    def _release(self, connection: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    async def _discard(self, connection: Any) -> None:
        self._opened -= 1
        with contextlib.suppress(Exception):  # already broken: closing it is a courtesy
            await connection.close(timeout=5)
        if self._waiters and not self._closed:
            # The pool may open a connection again for whoever waits.
            asyncio.get_running_loop().create_task(self._open_for_waiter())

    async def _open_for_waiter(self) -> None:
        try:
            connection = await self._open_one()
        except Exception as exc:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_exception(exc)
                    break
            return
        self._release(connection)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self._opened -= 1
            await connection.close(timeout=5)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(RuntimeError("the read pool is closed"))


def _postgres_opener(url: URL, dialect: Dialect, pg_schema: str | None) -> Callable[[], Awaitable[Any]]:
    _, options = dialect.create_connect_args(url)
    for dialect_only in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback"):
        options.pop(dialect_only, None)
    settings = {"default_transaction_read_only": "on"}
    if pg_schema:
        settings["search_path"] = pg_schema

    async def open_connection() -> Any:
        import asyncpg  # type: ignore[import-untyped]  # loaded with the first PostgreSQL read

        return await asyncpg.connect(**options, server_settings=settings)

    return open_connection


def sqlite_file(url: URL) -> str:
    """The database file of a SQLite URL; an in-memory database is refused (one per connection)."""
    if url.database in (None, "", ":memory:"):
        raise ConfigError(
            "MVIDARR_DATABASE_URL names an in-memory SQLite database; MVidarr needs a database file "
            "(e.g. sqlite+aiosqlite:///data/mvidarr.db)"
        )
    return str(url.database)


class Reads:
    """A small pool of read-only connections and the compiled statements run on them."""

    def __init__(self, dialect: Dialect, pool: _Pool) -> None:
        self.dialect = dialect
        self._pool = pool
        self._compiled: dict[int, _Compiled] = {}
        self.listeners: list[Callable[[str], None]] = []
        """Called with each statement's SQL before it runs (tests count statements with it)."""

    @classmethod
    def for_url(cls, url: URL, dialect: Dialect, *, size: int, pg_schema: str | None = None) -> Reads:
        if url.get_backend_name() == "sqlite":
            return cls(dialect, _SqlitePool(sqlite_file(url), size))
        return cls(dialect, _PostgresPool(_postgres_opener(url, dialect, pg_schema), size))

    @property
    def size(self) -> int:
        """The most connections the pool opens."""
        return self._pool.size

    @property
    def open_connections(self) -> int:
        return self._pool.open_connections

    def _compile(self, statement: ClauseElement) -> _Compiled:
        entry = self._compiled.get(id(statement))
        if entry is None or entry.statement is not statement:
            if len(self._compiled) >= _MAX_COMPILED:
                self._compiled.clear()
            entry = self._compiled[id(statement)] = _Compiled.of(statement, self.dialect)
        return entry

    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row `statement` gives for `params` (None without a row)."""
        assert isinstance(statement, ClauseElement), "a Core statement"
        sql, args = self._compile(statement).bind(params or {})
        for listener in self.listeners:
            listener(sql)
        return await self._pool.fetch_value(sql, args)

    async def close(self) -> None:
        """Refuse new statements and close the connections once their statements are answered."""
        await self._pool.close()
