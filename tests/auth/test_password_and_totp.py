from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select

from mvidarr.models import Role, User
from tests.auth.helpers import bearer, login, tokens
from tests.conftest import TEST_PASSWORD, make_user

pytestmark = pytest.mark.anyio
NEW_PASSWORD = "a much better passphrase"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least 10"),
        ("lee-is-my-name", "username"),
        ("password123", "too common"),
        ("aaaaaaaaaaaa", "common"),
    ],
)
async def test_password_policy(client: httpx.AsyncClient, password: str, why: str) -> None:
    response = await client.post("/api/v1/users", json={"username": "lee", "password": password})
    assert response.status_code == 422
    assert why in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["body", "password"]


async def test_change_password_ends_other_sessions(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "mia", Role.READONLY)
    here = await tokens(anon_client, "mia")
    elsewhere = await tokens(anon_client, "mia")
    auth = bearer(here["access_token"])
    wrong = await anon_client.post(
        "/api/v1/auth/password", json={"current_password": "wrong one!!", "new_password": NEW_PASSWORD}, headers=auth
    )
    assert wrong.status_code == 422
    weak = await anon_client.post(
        "/api/v1/auth/password", json={"current_password": TEST_PASSWORD, "new_password": "1234567890"}, headers=auth
    )
    assert weak.status_code == 422
    changed = await anon_client.post(
        "/api/v1/auth/password", json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}, headers=auth
    )
    assert changed.status_code == 200, changed.text
    assert (await anon_client.get("/api/v1/artists", headers=bearer(changed.json()["access_token"]))).status_code == 200
    assert (await anon_client.get("/api/v1/artists", headers=bearer(elsewhere["access_token"]))).status_code == 401
    stale = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
    assert stale.status_code == 401
    assert (await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": here["refresh_token"]})).is_success
    assert (await login(anon_client, "mia")).status_code == 401
    assert (await login(anon_client, "mia", NEW_PASSWORD)).status_code == 200


async def test_admin_reset_forces_a_password_change(
    app: Any, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    user = await make_user(app, "ned", Role.MANAGER)
    before = await tokens(anon_client, "ned")
    reset = await client.post(f"/api/v1/users/{user.id}/password", json={"password": "temporary password 1"})
    assert reset.status_code == 200
    assert reset.json()["must_change_password"] is True
    assert (await anon_client.get("/api/v1/artists", headers=bearer(before["access_token"]))).status_code == 401

    session = await tokens(anon_client, "ned", "temporary password 1")
    assert session["must_change_password"] is True
    auth = bearer(session["access_token"])
    blocked = await anon_client.get("/api/v1/artists", headers=auth)
    assert blocked.status_code == 403
    assert blocked.json()["type"] == "urn:mvidarr:problem:password-change-required"
    assert (await anon_client.get("/api/v1/auth/me", headers=auth)).status_code == 200
    changed = await anon_client.post(
        "/api/v1/auth/password",
        json={"current_password": "temporary password 1", "new_password": NEW_PASSWORD},
        headers=auth,
    )
    assert changed.status_code == 200
    assert changed.json()["must_change_password"] is False
    assert (await anon_client.get("/api/v1/artists", headers=bearer(changed.json()["access_token"]))).is_success


async def test_totp_enable_login_replay_recovery_disable(
    app: Any, anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    user = await make_user(app, "ola", Role.READONLY)
    auth = bearer((await tokens(anon_client, "ola"))["access_token"])
    setup = (await anon_client.post("/api/v1/auth/totp/setup", headers=auth)).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/MVidarr:ola?")
    assert setup["qr_code"].startswith("data:image/svg+xml;base64,")
    totp = pyotp.TOTP(setup["secret"])
    bad = await anon_client.post("/api/v1/auth/totp/enable", json={"code": "000000"}, headers=auth)
    assert bad.status_code == 422
    # The code used to enable cannot be replayed at sign-in: use the next time step.
    enabled = await anon_client.post("/api/v1/auth/totp/enable", json={"code": totp.at(time.time() - 30)}, headers=auth)
    assert enabled.status_code == 200, enabled.text
    codes = enabled.json()["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10

    required = await login(anon_client, "ola")
    assert required.status_code == 401
    assert required.json()["type"] == "urn:mvidarr:problem:totp-required"
    code = totp.now()
    assert (await login(anon_client, "ola", totp_code=code)).status_code == 200
    assert (await login(anon_client, "ola", totp_code=code)).status_code == 401, "a code works once"
    assert (await login(anon_client, "ola", totp_code=codes[0].upper())).status_code == 200
    assert (await login(anon_client, "ola", totp_code=codes[0])).status_code == 401, "recovery codes work once"

    refused = await anon_client.post(
        "/api/v1/auth/totp/disable", json={"password": "wrong password", "code": codes[1]}, headers=auth
    )
    assert refused.status_code == 403
    disabled = await anon_client.post(
        "/api/v1/auth/totp/disable", json={"password": TEST_PASSWORD, "code": codes[1]}, headers=auth
    )
    assert disabled.status_code == 204
    assert (await login(anon_client, "ola")).status_code == 200

    await anon_client.post("/api/v1/auth/totp/setup", headers=auth)
    assert (await client.post(f"/api/v1/users/{user.id}/totp/reset")).json()["totp_enabled"] is False


async def test_totp_secret_is_sealed_at_rest(app: Any, client: httpx.AsyncClient) -> None:
    secret = (await client.post("/api/v1/auth/totp/setup")).json()["secret"]
    async with app.state.db.reader() as session:
        stored = (await session.execute(select(User.totp_secret).where(User.username == "admin"))).scalar_one()
    assert stored.startswith("sealed:v1:")
    assert secret not in stored


async def test_preferences(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/auth/me/preferences")).json() == {"theme": None, "page_sizes": {}}
    changed = await client.patch("/api/v1/auth/me/preferences", json={"theme": "dark", "page_sizes": {"videos": 100}})
    assert changed.json() == {"theme": "dark", "page_sizes": {"videos": 100}}
    merged = await client.patch("/api/v1/auth/me/preferences", json={"page_sizes": {"artists": 25}})
    assert merged.json()["page_sizes"] == {"videos": 100, "artists": 25}
    assert (await client.get("/api/v1/auth/me")).json()["preferences"]["theme"] == "dark"
    assert (await client.patch("/api/v1/auth/me/preferences", json={"role": "admin"})).status_code == 422
    assert (await client.patch("/api/v1/auth/me/preferences", json={"page_sizes": {"x": 5000}})).status_code == 422


async def test_sessions_list_and_revoke(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "pam", Role.READONLY)
    one = await tokens(anon_client, "pam")
    two = await tokens(anon_client, "pam")
    listed = (await anon_client.get("/api/v1/auth/sessions", headers=bearer(one["access_token"]))).json()
    assert len(listed) == 2
    assert sum(s["current"] for s in listed) == 1
    other = next(s for s in listed if not s["current"])
    revoked = await anon_client.delete(f"/api/v1/auth/sessions/{other['id']}", headers=bearer(one["access_token"]))
    assert revoked.status_code == 204
    assert (await anon_client.get("/api/v1/artists", headers=bearer(two["access_token"]))).status_code == 401
    missing = await anon_client.delete(f"/api/v1/auth/sessions/{'f' * 32}", headers=bearer(one["access_token"]))
    assert missing.status_code == 404
