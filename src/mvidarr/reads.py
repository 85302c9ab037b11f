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
from collections.abc import Callable, Mapping, Sequence
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
    processors: Mapping[str, Any]  # bind name -> SQLAlchemy's bind processor
    expanding: bool  # IN lists: the SQL is expanded per execution

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        assert compiled.positiontup is not None, "positional dialects only"
        # SQLAlchemy offers its bind processors (SQLite's timestamps as text, for one) only through
        # this private attribute; tests/test_reads_contract.py holds the whole binding to what
        # SQLAlchemy itself sends the driver, for every statement the read path runs.
        processors: Mapping[str, Any] = compiled._bind_processors
        # IN lists (and literal-execute values) are rendered into the SQL at each execution.
        if compiled.post_compile_params:
            return cls(statement, compiled, compiled.string, (), processors, True)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        positions: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup:
            bind = by_name[name]
            default = _REQUIRED if bind.required else bind.effective_value
            processor = processors.get(name)
            assert processor is None or callable(processor), "no tuple binds on the read path"
            positions.append((name, default, processor))
        return cls(statement, compiled, compiled.string, tuple(positions), processors, False)

    def bind(self, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL to run and its positional arguments for these values."""
        if self.expanding:
            state = self.compiled.construct_expanded_state(dict(values))
            args = []
            expanded_processors: Mapping[str, Any] = state.processors  # an IN list's items only
            for name in state.positiontup or ():
                value = state.parameters[name]
                processor = expanded_processors.get(name) or self.processors.get(name)
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


async def _keep_session(_connection: Any) -> None:
    """The pool's reset on release: nothing to undo. asyncpg's default (`RESET ALL`, `UNLISTEN *`,
    `CLOSE ALL`, unlocking advisory locks) is a round trip per statement for state a read-only,
    single-statement connection never makes; an open transaction is still rolled back by asyncpg."""


class _PostgresPool:
    """asyncpg's own pool (`asyncpg.create_pool`), made on first use: it needs the running loop.

    asyncpg runs one statement at a time per connection; each statement borrows a connection and
    gives it back. A connection whose statement was interrupted is waited for or terminated by
    asyncpg itself, never handed out mid-statement."""

    def __init__(self, options: Mapping[str, Any], size: int) -> None:
        self._options = options
        self.size = size
        self._pool: Any = None
        self._starting = asyncio.Lock()
        self._closed = False

    @property
    def open_connections(self) -> int:
        return 0 if self._pool is None else int(self._pool.get_size())

    async def _started(self) -> Any:
        async with self._starting:
            if self._closed:
                raise RuntimeError("the read pool is closed")
            if self._pool is None:
                import asyncpg  # type: ignore[import-untyped]  # loaded with the first PostgreSQL read

                self._pool = await asyncpg.create_pool(
                    min_size=0, max_size=self.size, reset=_keep_session, **self._options
                )
            return self._pool

    async def fetch_value(self, sql: str, args: Sequence[Any]) -> Any:
        if self._closed:
            raise RuntimeError("the read pool is closed")
        pool = self._pool if self._pool is not None else await self._started()
        return await pool.fetchval(sql, *args)

    async def close(self) -> None:
        self._closed = True
        async with self._starting:
            pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


def _postgres_options(url: URL, dialect: Dialect, pg_schema: str | None) -> dict[str, Any]:
    """asyncpg's connect arguments for `url`, as SQLAlchemy's dialect reads it, on read-only sessions."""
    _, options = dialect.create_connect_args(url)
    for dialect_only in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback"):
        options.pop(dialect_only, None)
    settings = {"default_transaction_read_only": "on"}
    if pg_schema:
        settings["search_path"] = pg_schema
    return {**options, "server_settings": settings}


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
        return cls(dialect, _PostgresPool(_postgres_options(url, dialect, pg_schema), size))

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
