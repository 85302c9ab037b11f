"""Every route declares exactly one access rule, and protected routes refuse callers without
credentials (401; pages send them to sign in instead) and callers whose role is below the rule (403)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext

from mvidarr.auth.openapi import access_rules, routes_of
from mvidarr.models import Role, User
from mvidarr.web.access import PageRule
from tests.conftest import access_token, http_client, make_user

pytestmark = pytest.mark.anyio
# Routes that authenticate inside their protocol (the WebSocket's first message or cookie).
IN_PROTOCOL = {"/api/v1/ws"}
PUBLIC = {
    "GET /api/v1/health",
    "GET /api/v1/health/ready",
    "POST /api/v1/auth/login",
    "GET /api/v1/auth/setup",
    "POST /api/v1/auth/setup",
    "POST /api/v1/auth/refresh",
    # Single sign-on: the sign-in page's choices, the provider round trip, and the reverse proxy's
    # header (honoured only from MVIDARR_TRUSTED_PROXIES: tests/sso/test_proxy_sign_in.py).
    "GET /api/v1/sso/options",
    "GET /api/v1/sso/{slug}/start",
    "GET /api/v1/sso/{slug}/callback",
    "POST /api/v1/sso/proxy",
    "GET /api/v1/openapi.json",
    "GET /api/docs",
    # Reads the caller if any; answers admins and the networks in metrics.allowed_networks, refuses
    # everyone else itself (tests/metrics/test_metrics_api.py).
    "GET /metrics",
    # Web pages: sign-in and first-run setup, and the static files they load.
    "GET /login",
    "GET /setup",
    "GET /static/{version}/{name}",
    "GET /favicon.ico",
}
BELOW = {Role.USER: Role.READONLY, Role.MANAGER: Role.USER, Role.ADMIN: Role.MANAGER}


def _operations(app: Any) -> list[tuple[str, str, RouteContext]]:
    """Every operation, in an order of the walk's own (by path, then method): not the app's route
    order, which is chosen for matching speed."""
    operations = [
        (method, str(route.path_format), route)
        for route in routes_of(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in route.methods or ()
    ]
    return sorted(operations, key=lambda op: (op[1], op[0]))


def _url(path: str) -> str:
    path = path.replace("{session_id}", "0" * 32)
    # No real account: calls such as DELETE /users/{id} must not deactivate the users doing the walk.
    path = path.replace("{user_id}", "999999")
    # Nor a real job: one the walk starts (a scan) belongs to another user, whose cancel is refused for that.
    path = path.replace("{job_id}", "999999")
    return re.sub(r"\{[a-z_]+\}", "1", path)


async def test_every_route_declares_exactly_one_rule(app: Any) -> None:
    problems = []
    routes = list(routes_of(app.routes))
    assert len(routes) > 30
    for route in routes:
        if isinstance(route.original_route, APIWebSocketRoute) and route.path_format in IN_PROTOCOL:
            continue
        if not isinstance(route.original_route, APIRoute):
            problems.append(f"{route.path_format}: not an API route, so it cannot declare an access rule")
            continue
        rules = access_rules(route)
        if len(rules) != 1:
            problems.append(f"{sorted(route.methods or ())} {route.path_format}: {len(rules)} access rules {rules}")
    assert not problems, "\n".join(problems)


async def test_public_routes_are_exactly_the_intended_ones(app: Any) -> None:
    public = {f"{m} {p}" for m, p, route in _operations(app) if access_rules(route)[0].role is None}
    assert public == PUBLIC


async def test_protected_routes_refuse_anonymous_and_lower_roles(app: Any, anon_client: httpx.AsyncClient) -> None:
    users: dict[Role, User] = {role: await make_user(app, f"rule-{role.value}", role) for role in Role}
    checked = 0
    for method, path, route in _operations(app):
        rule = access_rules(route)[0]
        if rule.role is None:
            continue
        url = _url(path)
        body = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
        anonymous = await anon_client.request(method, url, **body)
        page = isinstance(rule, PageRule)
        if page:
            assert anonymous.status_code == 303, f"{method} {path} without credentials: {anonymous.status_code}"
            assert anonymous.headers["location"].startswith("/login"), f"{method} {path}"
        else:
            assert anonymous.status_code == 401, f"{method} {path} without credentials: {anonymous.status_code}"
            assert anonymous.headers["www-authenticate"].startswith("Bearer")
        below = BELOW.get(rule.role)
        if below is not None:
            async with http_client(app, await access_token(app, users[below])) as lower:
                refused = await lower.request(method, url, **body)
            assert refused.status_code == 403, f"{method} {path} as {below.value}: {refused.status_code}"
            if page:
                assert refused.headers["content-type"].startswith("text/html")
            else:
                assert refused.json()["type"] == "urn:mvidarr:problem:forbidden"
        # A fresh token per call: some calls (logout) end the session they are made with.
        async with http_client(app, await access_token(app, users[rule.role])) as allowed:
            answer = await allowed.request(method, url, **body)
        assert answer.status_code not in (401, 403), f"{method} {path} as {rule.role.value}: {answer.text}"
        checked += 1
    assert checked >= 30


async def test_forged_credentials_on_public_routes_are_ignored(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/api/v1/health", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 200


async def test_ready_shows_reasons_to_admins_only(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, client_as: Any
) -> None:
    anonymous = (await anon_client.get("/api/v1/health/ready")).json()
    assert {c["reason"] for c in anonymous["checks"]} == {"ok"}
    reader = await client_as(Role.READONLY)
    assert {c["reason"] for c in (await reader.get("/api/v1/health/ready")).json()["checks"]} == {"ok"}
    admin = (await client.get("/api/v1/health/ready")).json()
    assert any("reachable" in c["reason"] for c in admin["checks"])
