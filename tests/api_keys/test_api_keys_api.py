from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mvidarr.auth.guard import Guard
from mvidarr.models import Role
from tests.conftest import access_token, http_client, make_user

pytestmark = pytest.mark.anyio


async def test_create_use_list_revoke(client: httpx.AsyncClient, anon_client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/api-keys", json={"name": "Jellyfin", "role": "readonly"})
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"] + "_")
    assert body["role"] == "readonly"
    listed = (await client.get("/api/v1/api-keys")).json()
    assert [k["name"] for k in listed["items"]] == ["Jellyfin"]
    assert key not in str(listed)

    me = await anon_client.get("/api/v1/auth/me", headers={"X-Api-Key": key})
    assert (me.json()["via"], me.json()["role"], me.json()["username"]) == ("api_key", "readonly", "admin")
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": key})).status_code == 200
    capped = await anon_client.post("/api/v1/artists", json={"name": "x"}, headers={"X-Api-Key": key})
    assert capped.status_code == 403, "the key's cap applies, not the owner's role"
    used = (await client.get("/api/v1/api-keys")).json()["items"][0]
    assert used["last_used_at"] is not None

    assert (await client.delete(f"/api/v1/api-keys/{body['id']}")).status_code == 204
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": key})).status_code == 401
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": "mvk_nothing"})).status_code == 401
    assert (await client.get("/api/v1/api-keys", params={"include_revoked": True})).json()["total"] == 1


async def test_key_of_a_demoted_owner_is_capped_by_the_owner(app: Any, client: httpx.AsyncClient) -> None:
    owner = await make_user(app, "tia", Role.MANAGER)
    async with http_client(app, await access_token(app, owner)) as tia:
        key = (await tia.post("/api/v1/api-keys", json={"name": "cron"})).json()["key"]
    async with http_client(app) as program:
        program.headers["X-Api-Key"] = key
        assert (await program.post("/api/v1/artists", json={"name": "Aurora"})).status_code == 201
        await client.patch(f"/api/v1/users/{owner.id}", json={"role": "readonly"})
        assert (await program.post("/api/v1/artists", json={"name": "Björk"})).status_code == 403
        assert (await program.get("/api/v1/artists")).status_code == 200


async def test_key_lookup_is_cached(app: Any, client: httpx.AsyncClient, count_statements: Any) -> None:
    key = (await client.post("/api/v1/api-keys", json={"name": "bench"})).json()["key"]
    async with http_client(app) as program:
        program.headers["X-Api-Key"] = key
        await program.get("/api/v1/genres")
        count_statements.statements.clear()
        await asyncio.gather(*(program.get("/api/v1/genres") for _ in range(3)))
    lookups = [s for s in count_statements.statements if "api_key" in s]
    assert lookups == []


async def test_users_see_their_own_keys_admins_all(app: Any, client: httpx.AsyncClient, client_as: Any) -> None:
    reader = await client_as(Role.READONLY)
    mine = (await reader.post("/api/v1/api-keys", json={"name": "mine"})).json()
    theirs = (await client.post("/api/v1/api-keys", json={"name": "admin's"})).json()
    assert [k["name"] for k in (await reader.get("/api/v1/api-keys")).json()["items"]] == ["mine"]
    assert (await reader.get("/api/v1/api-keys", params={"user_id": 0})).status_code == 403
    assert (await reader.delete(f"/api/v1/api-keys/{theirs['id']}")).status_code == 404
    everyone = (await client.get("/api/v1/api-keys", params={"user_id": 0})).json()
    assert {k["name"] for k in everyone["items"]} == {"mine", "admin's"}
    assert (await client.delete(f"/api/v1/api-keys/{mine['id']}")).status_code == 204
    guard: Guard = app.state.auth
    assert guard.settings.api_key_cache_s > 0
