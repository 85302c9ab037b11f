from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.models import Role, User
from tests.auth.helpers import bearer, login, tokens
from tests.conftest import TEST_PASSWORD, access_token, http_client, make_user

pytestmark = pytest.mark.anyio


async def test_create_list_get_update_delete(client: httpx.AsyncClient, anon_client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/api/v1/users", json={"username": "Quinn", "password": TEST_PASSWORD, "role": "manager"}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["role"], user["must_change_password"], user["active"]) == ("manager", True, True)
    assert "password_hash" not in user
    assert (
        await client.post("/api/v1/users", json={"username": "quinn", "password": TEST_PASSWORD})
    ).status_code == 409

    listed = (await client.get("/api/v1/users", params={"role": "manager"})).json()
    assert [u["username"] for u in listed["items"]] == ["Quinn"]
    assert (await client.get(f"/api/v1/users/{user['id']}")).json()["username"] == "Quinn"
    changed = await client.patch(f"/api/v1/users/{user['id']}", json={"role": "readonly", "email": "q@example.org"})
    assert (changed.json()["role"], changed.json()["email"]) == ("readonly", "q@example.org")

    session = await tokens(anon_client, "quinn")
    assert session["must_change_password"] is True
    assert (await client.delete(f"/api/v1/users/{user['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/users/{user['id']}")).status_code == 404
    refresh = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refresh.status_code == 401


async def test_last_active_admin_is_protected(client: httpx.AsyncClient, admin_user: User) -> None:
    url = f"/api/v1/users/{admin_user.id}"
    assert (await client.patch(url, json={"role": "manager"})).status_code == 409
    assert (await client.post(f"{url}/deactivate")).status_code == 409
    assert (await client.delete(url)).status_code == 409
    other = await client.post(
        "/api/v1/users",
        json={"username": "root2", "password": TEST_PASSWORD, "role": "admin", "must_change_password": False},
    )
    assert (await client.patch(url, json={"role": "manager"})).status_code == 200
    assert (await client.get(url)).status_code == 401, "a role change ends the tokens carrying the old role"
    second = (await tokens(client, "root2"))["access_token"]
    last = await client.patch(f"/api/v1/users/{other.json()['id']}", json={"role": "user"}, headers=bearer(second))
    assert last.status_code == 409


async def test_no_role_escalation_through_own_user(app: Any, client_as: Any) -> None:
    manager = await client_as(Role.MANAGER)
    me = (await manager.get("/api/v1/auth/me")).json()
    response = await manager.patch(f"/api/v1/users/{me['id']}", json={"role": "admin"})
    assert response.status_code == 403
    assert (await manager.get("/api/v1/auth/me")).json()["role"] == "manager"
    key = await manager.post("/api/v1/api-keys", json={"name": "escalate", "role": "admin"})
    assert key.status_code == 403


async def test_deactivation_revokes_tokens_and_keys(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    user = await make_user(app, "rex", Role.MANAGER)
    session = await tokens(anon_client, "rex")
    key = (
        await anon_client.post("/api/v1/api-keys", json={"name": "k"}, headers=bearer(session["access_token"]))
    ).json()["key"]
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": key})).status_code == 200
    assert (await client.post(f"/api/v1/users/{user.id}/deactivate")).json()["active"] is False
    assert (await anon_client.get("/api/v1/artists", headers=bearer(session["access_token"]))).status_code == 401
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": key})).status_code == 401
    assert (
        await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).status_code == 401
    assert (await login(anon_client, "rex")).status_code == 403
    assert (await client.post(f"/api/v1/users/{user.id}/reactivate")).json()["active"] is True
    assert (await login(anon_client, "rex")).status_code == 200
    assert (await anon_client.get("/api/v1/artists", headers={"X-Api-Key": key})).status_code == 401, (
        "keys stay revoked"
    )


async def test_demotion_applies_to_existing_tokens(app: Any, client: httpx.AsyncClient) -> None:
    user = await make_user(app, "sam", Role.MANAGER)
    async with http_client(app, await access_token(app, user)) as sam:
        assert (await sam.post("/api/v1/artists", json={"name": "Tove Lo"})).status_code == 201
        await client.patch(f"/api/v1/users/{user.id}", json={"role": "readonly"})
        assert (await sam.post("/api/v1/artists", json={"name": "Zara"})).status_code == 401
    async with http_client(app) as fresh:
        again = await tokens(fresh, "sam")
        denied = await fresh.post("/api/v1/artists", json={"name": "Zara"}, headers=bearer(again["access_token"]))
        assert denied.status_code == 403
