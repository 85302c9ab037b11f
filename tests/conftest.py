"""Fixtures: one migrated database per run (SQLite, or PostgreSQL in its own schema), emptied
after every test, and an httpx client over ASGI on a fresh app."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.db import Base, Database
from mvidarr.migrations import upgrade

TEST_DATABASE = os.environ.get("MVIDARR_TEST_DATABASE", "sqlite")


class DatabaseTarget:
    """Where this run's tests keep their data."""

    def __init__(self, url: str, pg_schema: str | None) -> None:
        self.url = make_url(url)
        self.pg_schema = pg_schema

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def connect(self, pool_size: int = 5) -> Database:
        return Database.connect(self.url, pool_size=pool_size, pg_schema=self.pg_schema)


def pytest_report_header() -> str:
    return f"mvidarr database: {'sqlite' if TEST_DATABASE == 'sqlite' else 'postgresql'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of whole processes on their own SQLite data run once, on the SQLite leg."""
    if TEST_DATABASE == "sqlite":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _create_schema(target: DatabaseTarget) -> None:
    admin = Database.connect(target.url, pool_size=1)
    try:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{target.pg_schema}"'))
    finally:
        await admin.dispose()


async def _drop_schema(target: DatabaseTarget) -> None:
    admin = Database.connect(target.url, pool_size=1)
    try:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{target.pg_schema}" CASCADE'))
    finally:
        await admin.dispose()


async def _migrate(target: DatabaseTarget) -> None:
    db = target.connect(pool_size=1)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def database_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTarget]:
    if TEST_DATABASE == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        target = DatabaseTarget(f"sqlite+aiosqlite:///{path}", None)
        asyncio.run(_migrate(target))
        yield target
        return
    target = DatabaseTarget(TEST_DATABASE, f"mvidarr_test_{uuid.uuid4().hex[:10]}")
    asyncio.run(_create_schema(target))
    try:
        asyncio.run(_migrate(target))
        yield target
    finally:
        asyncio.run(_drop_schema(target))


async def empty_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(database_target: DatabaseTarget) -> AsyncIterator[Database]:
    database = database_target.connect()
    try:
        yield database
    finally:
        await empty_tables(database)
        await database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_target: DatabaseTarget) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(
        data_dir=data,
        database_url=database_target.url.render_as_string(hide_password=False),
        environment="test",
        log_json=True,
        log_level="warning",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[Any]:
    application = create_app(settings, database=db)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)


@pytest.fixture
def count_statements(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine.sync_engine, "before_cursor_execute", counter)
