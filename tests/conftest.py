"""Fixtures: one migrated database per run (SQLite, or PostgreSQL in its own schema), emptied
after every test, and httpx clients over ASGI on a fresh app: `client` is signed in as an admin
(bearer token), `anon_client` sends no credentials, `client_as(role)` signs in a user of that role."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from mvidarr.app import create_app
from mvidarr.auth.guard import Guard
from mvidarr.auth.tokens import new_session_id
from mvidarr.config import Settings
from mvidarr.db import Base, Database
from mvidarr.migrations import upgrade
from mvidarr.models import Role, User
from mvidarr.users import service as users

TEST_DATABASE = os.environ.get("MVIDARR_TEST_DATABASE", "sqlite")
TEST_PASSWORD = "correct horse battery staple"


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
    """Each leg runs only the tests meant for it: whole-process tests with their own SQLite data
    run on the SQLite leg, tests of several processes sharing one database on the PostgreSQL leg."""
    other = "postgres_only" if TEST_DATABASE == "sqlite" else "sqlite_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
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
            quoted = ", ".join(f'"{name}"' for name in tables)
            await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


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
        # Cheap argon2 for tests only (production defaults cost ~140 ms per hash).
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        # API tests run no job workers; the jobs tests start their own runners.
        worker_slots=0,
        # Tests add the root folders they need; tests/library/test_first_run.py covers the default one.
        default_root_folder=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[Any]:
    application = create_app(settings, database=db)
    async with application.router.lifespan_context(application):
        yield application


LOOPBACK_HOSTS = ["127.0.0.0/8", "::1", "localhost"]


async def allow_private_hosts(app: Any, hosts: list[str] | None = None) -> None:
    """Lets user-supplied URLs reach `hosts` (loopback by default: the tests' local servers), as an
    admin would in the `network.allowed_private_hosts` setting."""
    from mvidarr.models import Setting

    async with app.state.db.writer() as session:
        row = await session.get(Setting, "network.allowed_private_hosts")
        if row is None:
            session.add(Setting(key="network.allowed_private_hosts", value=hosts or LOOPBACK_HOSTS))
        else:
            row.value = hosts or LOOPBACK_HOSTS
        await session.commit()


async def make_user(app: Any, username: str, role: Role, password: str = TEST_PASSWORD, **fields: Any) -> User:
    """A user created through the users service (as `mvidarr users create` does)."""
    guard: Guard = app.state.auth
    password_hash = await guard.passwords.hash(password)
    async with app.state.db.writer() as session:
        user = await users.create_user(session, username=username, password_hash=password_hash, role=role, **fields)
        await session.commit()
    return user


async def access_token(app: Any, user: User) -> str:
    """An access token for `user` in a session of its own, as sign-in makes (the session's refresh token
    is stored, but not returned: tests that refresh sign in through the API)."""
    from mvidarr.auth.tokens import new_refresh_token, sha256
    from mvidarr.db import utcnow
    from mvidarr.models import RefreshToken

    guard: Guard = app.state.auth
    family = new_session_id()
    async with app.state.db.writer() as session:
        session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family,
                token_hash=sha256(new_refresh_token()),
                expires_at=utcnow() + guard.refresh_ttl,
            )
        )
        await session.commit()
    return guard.signer.issue(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        session_id=family,
        must_change_password=user.must_change_password,
    )


def http_client(app: Any, token: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


@pytest.fixture
async def admin_user(app: Any) -> User:
    return await make_user(app, "admin", Role.ADMIN)


@pytest.fixture
async def client(app: Any, admin_user: User) -> AsyncIterator[httpx.AsyncClient]:
    """Signed in as the admin: every route is allowed."""
    async with http_client(app, await access_token(app, admin_user)) as http:
        yield http


@pytest.fixture
async def anon_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """No credentials at all."""
    async with http_client(app) as http:
        yield http


ClientAs = Callable[[Role], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client_as(app: Any) -> AsyncIterator[ClientAs]:
    """`await client_as(Role.MANAGER)`: a client signed in as a (new) user of that role."""
    async with AsyncExitStack() as stack:

        async def signed_in(role: Role) -> httpx.AsyncClient:
            user = await make_user(app, f"{role.value}-{uuid.uuid4().hex[:6]}", role)
            return await stack.enter_async_context(http_client(app, await access_token(app, user)))

        yield signed_in


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen(statement)

    def seen(self, statement: str) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)


@pytest.fixture
def count_statements(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    db.reads.listeners.append(counter.seen)  # the read path of the hot GETs (mvidarr.reads)
    yield counter
    db.reads.listeners.remove(counter.seen)
    event.remove(db.engine.sync_engine, "before_cursor_execute", counter)
