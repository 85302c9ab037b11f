"""The async data layer: engine, session makers, declarative base, and the request session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from mvidarr import sqlite_driver
from mvidarr.errors import ConfigError
from mvidarr.reads import Reads, sqlite_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# SQLite has one writer and readers scale with cores, not connections; each connection also
# keeps its own page cache, so a few connections serve faster and use less memory than many.
SQLITE_MAX_POOL = 3


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_loads(value: Any) -> Any:
    # SQLite gives a JSON column NUMERIC affinity: a bare number is stored, and read back, as a number.
    return value if isinstance(value, int | float) else orjson.loads(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


@dataclass(frozen=True, slots=True)
class Database:
    """The engine, the two session makers (reads, and writes that lock early on SQLite), and the
    lean read path of the hot GETs (`mvidarr.reads`)."""

    engine: AsyncEngine
    reader: async_sessionmaker[AsyncSession]
    writer: async_sessionmaker[AsyncSession]
    reads: Reads

    @classmethod
    def connect(cls, url: URL, *, pool_size: int = 10, echo: bool = False, pg_schema: str | None = None) -> Database:
        """Engine and session makers for `url`; `pg_schema` pins PostgreSQL's search_path (tests)."""
        if url.get_backend_name() == "sqlite":
            engine = create_async_engine(
                url,
                echo=echo,
                pool_size=min(pool_size, SQLITE_MAX_POOL),
                max_overflow=0,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                async_creator=sqlite_driver.connector(sqlite_file(url), timeout=30),
            )
            _tune_sqlite(engine)
        else:
            connect_args = {"server_settings": {"search_path": pg_schema}} if pg_schema else {}
            engine = create_async_engine(
                url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=1800,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                connect_args=connect_args,
            )
        # Reads need no explicit transaction on SQLite: skipping BEGIN/COMMIT saves driver round trips.
        reader = async_sessionmaker(
            engine.execution_options(sqlite_begin="NONE"), expire_on_commit=False, autoflush=False
        )
        writer = async_sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False, autoflush=False
        )
        is_sqlite = url.get_backend_name() == "sqlite"
        reads = Reads.for_url(
            url, engine.dialect, size=min(pool_size, SQLITE_MAX_POOL) if is_sqlite else pool_size, pg_schema=pg_schema
        )
        return cls(engine=engine, reader=reader, writer=writer, reads=reads)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def check_reachable(self, timeout_s: float = 10.0) -> None:
        """Open one connection or raise ConfigError saying why the database cannot be reached."""
        try:
            async with asyncio.timeout(timeout_s), self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except TimeoutError:
            raise ConfigError(
                f"database at {self.engine.url.render_as_string(hide_password=True)} did not answer "
                f"within {timeout_s:.0f} s; check that it is running and MVIDARR_DATABASE_URL is right"
            ) from None
        except Exception as exc:  # any driver error: the message is what the user needs
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"cannot connect to database {self.engine.url.render_as_string(hide_password=True)}: "
                f"{reason}; check that it is running and MVIDARR_DATABASE_URL is right"
            ) from None

    async def dispose(self) -> None:
        await self.reads.close()
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN can be IMMEDIATE for writers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", *sqlite_driver.CONNECTION_PRAGMAS):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode != "NONE":
            conn.exec_driver_sql(f"BEGIN {mode}")


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    db: Database = request.app.state.db
    maker = db.reader if request.method in SAFE_METHODS else db.writer
    async with maker() as session:
        yield session
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


async def _reads(request: Request) -> Reads:
    db: Database = request.app.state.db
    return db.reads


ReadsDep = Annotated[Reads, Depends(_reads)]
"""For GETs that run one read-only statement and need no unit of work (see mvidarr.reads)."""
