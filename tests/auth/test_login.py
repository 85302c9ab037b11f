from __future__ import annotations

import base64
import functools
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from mvidarr.auth.guard import Guard
from mvidarr.auth.passwords import Passwords
from mvidarr.db import utcnow
from mvidarr.kit.sealing import derive_key
from mvidarr.models import AuditEvent, Role, User
from tests.auth.helpers import bearer, login, tokens
from tests.conftest import TEST_PASSWORD, access_token, make_user

pytestmark = pytest.mark.anyio


async def _actions(app: Any) -> list[str]:
    async with app.state.db.reader() as session:
        return list((await session.execute(select(AuditEvent.action).order_by(AuditEvent.id))).scalars())


async def test_first_run_setup_then_refused(anon_client: httpx.AsyncClient) -> None:
    assert (await anon_client.get("/api/v1/auth/setup")).json() == {"needed": True}
    weak = await anon_client.post("/api/v1/auth/setup", json={"username": "root", "password": "short"})
    assert weak.status_code == 422
    created = await anon_client.post("/api/v1/auth/setup", json={"username": "Root", "password": TEST_PASSWORD})
    assert created.status_code == 201, created.text
    me = await anon_client.get("/api/v1/auth/me", headers=bearer(created.json()["access_token"]))
    assert (me.json()["username"], me.json()["role"]) == ("Root", "admin")
    again = await anon_client.post("/api/v1/auth/setup", json={"username": "other", "password": TEST_PASSWORD})
    assert again.status_code == 409
    assert (await anon_client.get("/api/v1/auth/setup")).json() == {"needed": False}


async def test_login_me_and_username_is_case_insensitive(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "Alice", Role.MANAGER, email="alice@example.org")
    result = await tokens(anon_client, "aLiCe")
    assert result["token_type"] == "bearer"
    assert result["expires_in"] == 900
    me = (await anon_client.get("/api/v1/auth/me", headers=bearer(result["access_token"]))).json()
    assert (me["username"], me["role"], me["via"], me["email"]) == ("Alice", "manager", "bearer", "alice@example.org")
    assert "auth.login" in await _actions(app)


async def test_wrong_password_and_unknown_user_answer_the_same(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "bob", Role.READONLY)
    wrong = await login(anon_client, "bob", "not the password!")
    unknown = await login(anon_client, "nobody", "not the password!")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong username or password"
    async with app.state.db.reader() as session:
        failures = (await session.execute(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))).scalars()
        assert sorted((e.username, e.details["reason"]) for e in failures) == [
            ("bob", "wrong password"),
            ("nobody", "unknown user"),
        ]


async def test_login_timing_is_similar_for_unknown_users(app: Any, anon_client: httpx.AsyncClient) -> None:
    guard: Guard = app.state.auth
    # A hash cost high enough to dominate the request, as in production.
    settings = guard.settings.model_copy(update={"password_hash_memory_kib": 16384, "password_hash_time_cost": 2})
    guard.passwords.close()
    guard.passwords = Passwords(settings)
    guard.by_pair.limit = guard.by_ip.limit = 1000
    await make_user(app, "carol", Role.READONLY)

    async def timed(username: str) -> float:
        started = time.perf_counter()
        response = await login(anon_client, username, "definitely wrong")
        assert response.status_code == 401
        return time.perf_counter() - started

    await timed("carol"), await timed("nobody")  # warm-up (the dummy hash is made on first use)
    # Alternated, so a burst of load elsewhere on the machine falls on both kinds alike.
    pairs = [(await timed("carol"), await timed(f"ghost{i}")) for i in range(7)]
    known = statistics.median(k for k, _ in pairs)
    unknown = statistics.median(u for _, u in pairs)
    assert 0.5 < unknown / known < 2.0, (known, unknown)


async def test_deactivated_user_cannot_sign_in(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "dave", Role.READONLY)
    async with app.state.db.writer() as session:
        from mvidarr.models import User

        user = (await session.execute(select(User).where(User.username == "dave"))).scalar_one()
        user.active = False
        await session.commit()
    response = await login(anon_client, "dave")
    assert response.status_code == 403


def _forge_token(app: Any, **changes: Any) -> str:
    guard: Guard = app.state.auth
    now = time.time()
    sid = changes.pop("_sid", "x" * 32)
    claims = {
        "iss": "mvidarr", "aud": "mvidarr:api", "sub": "1", "name": "admin", "role": "admin", "sid": sid,
        "typ": "access", "iat": now, "nbf": int(now), "exp": int(now) + 600,
    }  # fmt: skip
    claims.update(changes)
    key = changes.pop("_key", None) or guard.signer._key
    claims.pop("_key", None)
    return jwt.encode(claims, key, algorithm="HS256")


async def test_token_attacks_are_refused(app: Any, anon_client: httpx.AsyncClient, admin_user: Any) -> None:
    now = time.time()
    real = jwt.decode(await access_token(app, admin_user), options={"verify_signature": False})
    _forge = functools.partial(_forge_token, _sid=real["sid"])  # a live session: only the claims under test differ
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = _forge(app).split(".")[1]
    forged = {
        "alg none": f"{header}.{payload}.",
        "wrong signature": _forge(app, _key=derive_key("another secret entirely, 32+ chars", "jwt:access")),
        "wrong audience": _forge(app, aud="someone-else"),
        "wrong issuer": _forge(app, iss="evil"),
        "expired": _forge(app, iat=now - 3600, nbf=int(now - 3600), exp=int(now - 60)),
        "not yet valid": _forge(app, nbf=int(now + 600), exp=int(now + 1200)),
        "not an access token": _forge(app, typ="refresh"),
        "garbage": "not.a.jwt",
        "NaN exp": _forge(app, exp=float("nan")),
        "infinite exp": _forge(app, exp=float("inf")),
        "NaN nbf": _forge(app, nbf=float("nan")),
        "-infinite iat": _forge(app, iat=float("-inf")),
    }
    assert (await anon_client.get("/api/v1/auth/me", headers=bearer(_forge(app)))).status_code == 200
    for name, token in forged.items():
        response = await anon_client.get("/api/v1/artists", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"].startswith("Bearer"), name
    result = await tokens(anon_client, "admin")
    refresh_as_access = await anon_client.get("/api/v1/artists", headers=bearer(result["refresh_token"]))
    assert refresh_as_access.status_code == 401
    assert (await anon_client.get("/api/v1/artists", headers={"Authorization": "Basic abc"})).status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_family(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "erin", Role.READONLY)
    first = await tokens(anon_client, "erin")
    rotated = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await anon_client.get("/api/v1/artists", headers=bearer(second["access_token"]))).status_code == 200

    replay = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # The whole family is gone: the newest refresh token and the session's access token too.
    assert (await anon_client.post("/api/v1/auth/refresh", json=second)).status_code in (401, 422)
    latest = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert latest.status_code == 401
    assert (await anon_client.get("/api/v1/artists", headers=bearer(second["access_token"]))).status_code == 401
    assert "auth.refresh_reuse" in await _actions(app)


async def test_logout_ends_the_session(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "fay", Role.READONLY)
    session = await tokens(anon_client, "fay")
    other = await tokens(anon_client, "fay")
    assert (await anon_client.post("/api/v1/auth/logout", headers=bearer(session["access_token"]))).status_code == 204
    assert (await anon_client.get("/api/v1/artists", headers=bearer(session["access_token"]))).status_code == 401
    refresh = await anon_client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refresh.status_code == 401
    assert (await anon_client.get("/api/v1/artists", headers=bearer(other["access_token"]))).status_code == 200


async def test_throttling_per_username_and_per_address(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "gus", Role.READONLY)
    for _ in range(5):
        assert (await login(anon_client, "gus", "wrong password!")).status_code == 401
    throttled = await login(anon_client, "gus")
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    guard: Guard = app.state.auth
    guard.by_ip.limit = 3
    for i in range(3):
        await login(anon_client, f"stranger{i}", "wrong password!")
    assert (await login(anon_client, "yet-another", "whatever pass")).status_code == 429


async def test_failures_slow_an_account_down_instead_of_locking_it(
    app: Any, anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    guard: Guard = app.state.auth
    guard.by_pair.limit = guard.by_ip.limit = 1000
    guard.settings.lockout_threshold = 3
    guard.settings.login_backoff_max_s = 0.3
    user = await make_user(app, "hal", Role.READONLY)
    for _ in range(4):
        assert (await login(anon_client, "hal", "wrong password!")).status_code == 401
    assert "auth.login_backoff" in await _actions(app)
    started = time.monotonic()
    assert (await login(anon_client, "hal")).status_code == 200, "slowed, never locked"
    assert time.monotonic() - started >= 0.25
    # A lock an earlier version set still holds until an admin lifts it.
    async with app.state.db.writer() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.locked_until = utcnow() + timedelta(minutes=15)
        await session.commit()
    locked = await login(anon_client, "hal")
    assert locked.status_code == 429
    assert locked.json()["type"] == "urn:mvidarr:problem:account-locked"
    assert (await client.post(f"/api/v1/users/{user.id}/unlock")).status_code == 200
    assert (await login(anon_client, "hal")).status_code == 200


async def test_api_json_and_auth_answers_are_not_stored(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "nia", Role.READONLY)
    signed_in = await login(anon_client, "nia")
    assert signed_in.headers["cache-control"] == "no-store"
    browser = await login(anon_client, "nia", cookie=True)
    assert browser.headers["cache-control"] == "no-store"
    token = signed_in.json()["access_token"]
    for path in ("/api/v1/auth/me", "/api/v1/videos", "/api/v1/artists?page_size=1", "/api/v1/nothing-here"):
        answer = await anon_client.get(path, headers=bearer(token))
        assert answer.headers["cache-control"] == "no-store", path
    assert (await anon_client.get("/api/v1/artists")).headers["cache-control"] == "no-store"  # a 401 problem
