"""Revocation that holds across restarts and processes: access tokens are checked against their session
(refresh family) and user in the database, through a short cache that revocations evict everywhere
(LISTEN/NOTIFY on PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.models import Role
from tests.auth.helpers import bearer, tokens
from tests.conftest import DatabaseTarget, http_client, make_user

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def another_process(settings: Settings, target: DatabaseTarget, **changes: Any) -> AsyncIterator[Any]:
    """A second app instance on the same database: what another API process (or a restart) is."""
    database = target.connect()
    application = create_app(settings.model_copy(update=changes), database=database)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await database.dispose()


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float) -> float:
    """Seconds until `check` holds; fails after `within_s`."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < within_s, f"not within {within_s} s"
        await anyio.sleep(0.05)
    return time.monotonic() - start


async def status(app: Any, token: str, path: str = "/api/v1/auth/me") -> int:
    async with http_client(app) as http:
        return (await http.get(path, headers=bearer(token))).status_code


async def test_a_logged_out_token_stays_refused_after_a_restart(
    app: Any, anon_client: httpx.AsyncClient, settings: Settings, database_target: DatabaseTarget
) -> None:
    await make_user(app, "lea", Role.MANAGER)
    signed_in = await tokens(anon_client, "lea")
    token = signed_in["access_token"]
    assert await status(app, token) == 200
    logout = await anon_client.post("/api/v1/auth/logout", headers=bearer(token))
    assert logout.status_code == 204, logout.text
    assert await status(app, token) == 401
    async with another_process(settings, database_target) as restarted:
        assert await status(restarted, token) == 401, "a new process has not forgotten the logout"
        assert await status(restarted, signed_in["access_token"], "/api/v1/videos") == 401


async def test_demoted_and_deactivated_users_are_refused_by_every_process(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient, settings: Settings,
    database_target: DatabaseTarget,
) -> None:  # fmt: skip
    sam = await make_user(app, "sam", Role.MANAGER)
    dee = await make_user(app, "dee", Role.READONLY)
    sam_token = (await tokens(anon_client, "sam"))["access_token"]
    dee_token = (await tokens(anon_client, "dee"))["access_token"]
    async with another_process(settings, database_target, session_check_s=0.5) as other:
        async with http_client(other, sam_token) as as_sam:
            assert (await as_sam.post("/api/v1/artists", json={"name": "Tove Lo"})).status_code == 201
        assert await status(other, dee_token, "/api/v1/videos") == 200

        assert (await client.patch(f"/api/v1/users/{sam.id}", json={"role": "readonly"})).status_code == 200
        assert (await client.post(f"/api/v1/users/{dee.id}/deactivate")).status_code in (200, 204)

        async def sam_refused() -> bool:
            return await status(other, sam_token, "/api/v1/monitors") == 401  # a manager's page

        async def dee_refused() -> bool:
            return await status(other, dee_token, "/api/v1/videos") == 401

        await eventually(sam_refused, within_s=5)
        await eventually(dee_refused, within_s=5)


@pytest.mark.postgres_only
async def test_two_processes_see_each_others_logout_at_once(
    app: Any, anon_client: httpx.AsyncClient, settings: Settings, database_target: DatabaseTarget
) -> None:
    """With a cache far longer than the test, only the NOTIFY can make the other process refuse."""
    await make_user(app, "lea", Role.MANAGER)
    token = (await tokens(anon_client, "lea"))["access_token"]
    async with another_process(settings, database_target, session_check_s=300) as other:
        assert await status(other, token) == 200  # cached as live in the other process
        assert (await anon_client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204

        async def refused() -> bool:
            return await status(other, token) == 401

        await eventually(refused, within_s=5)


@pytest.mark.postgres_only
async def test_a_role_change_reaches_the_other_process_at_once(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient, settings: Settings,
    database_target: DatabaseTarget,
) -> None:  # fmt: skip
    sam = await make_user(app, "sam", Role.MANAGER)
    token = (await tokens(anon_client, "sam"))["access_token"]
    async with another_process(settings, database_target, session_check_s=300) as other:
        assert await status(other, token) == 200
        assert (await client.patch(f"/api/v1/users/{sam.id}", json={"role": "user"})).status_code == 200

        async def refused() -> bool:
            return await status(other, token) == 401

        await eventually(refused, within_s=5)


async def test_without_notify_the_cache_bounds_how_long_a_logout_is_missed(
    app: Any, anon_client: httpx.AsyncClient, settings: Settings, database_target: DatabaseTarget
) -> None:
    """Several processes on SQLite have no NOTIFY: the other process refuses once its cached state expires."""
    await make_user(app, "lea", Role.MANAGER)
    token = (await tokens(anon_client, "lea"))["access_token"]
    async with another_process(settings, database_target, session_check_s=1.0) as other:
        assert await status(other, token) == 200
        assert (await anon_client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 204

        async def refused() -> bool:
            return await status(other, token) == 401

        assert await eventually(refused, within_s=6) <= 6
