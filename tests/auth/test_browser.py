"""Cookie sign-in with CSRF double submit, security headers, CORS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.models import Role
from tests.auth.helpers import login, tokens
from tests.conftest import http_client, make_user

pytestmark = pytest.mark.anyio


async def test_cookie_sign_in_needs_csrf_on_unsafe_methods(app: Any) -> None:
    await make_user(app, "ivy", Role.MANAGER)
    async with http_client(app) as browser:
        signed_in = await login(browser, "ivy", cookie=True)
        assert signed_in.status_code == 200
        body = signed_in.json()
        assert (body["token_type"], body["access_token"], body["refresh_token"]) == ("cookie", None, None)
        csrf = body["csrf_token"]
        cookies = signed_in.headers.get_list("set-cookie")
        access = next(c for c in cookies if c.startswith("mvidarr_access="))
        refresh = next(c for c in cookies if c.startswith("mvidarr_refresh="))
        assert "HttpOnly" in access
        assert "SameSite=lax" in access
        assert "Path=/api/v1/auth" in refresh
        assert "HttpOnly" in refresh
        assert browser.cookies["mvidarr_csrf"] == csrf

        assert (await browser.get("/api/v1/artists")).status_code == 200, "safe methods need no CSRF header"
        missing = await browser.post("/api/v1/artists", json={"name": "Sia"})
        assert missing.status_code == 403
        wrong = await browser.post("/api/v1/artists", json={"name": "Sia"}, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        right = await browser.post("/api/v1/artists", json={"name": "Sia"}, headers={"X-CSRF-Token": csrf})
        assert right.status_code == 201, right.text

        access_cookie = browser.cookies["mvidarr_access"]
    # A CSRF cookie planted by someone else (with a matching header) does not belong to the session.
    async with http_client(app) as attacker:
        attacker.cookies.set("mvidarr_access", access_cookie)
        attacker.cookies.set("mvidarr_csrf", "planted-token")
        planted = await attacker.post(
            "/api/v1/artists", json={"name": "Sam"}, headers={"X-CSRF-Token": "planted-token"}
        )
        assert planted.status_code == 403
        assert planted.json()["detail"] == "CSRF token does not belong to this session"


async def test_cookie_refresh_needs_csrf_and_rotates(app: Any) -> None:
    await make_user(app, "jay", Role.READONLY)
    async with http_client(app) as browser:
        csrf = (await login(browser, "jay", cookie=True)).json()["csrf_token"]
        assert (await browser.post("/api/v1/auth/refresh")).status_code == 403
        refreshed = await browser.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": csrf})
        assert refreshed.status_code == 200, refreshed.text
        new_csrf = refreshed.json()["csrf_token"]
        assert (await browser.get("/api/v1/auth/me")).json()["via"] == "cookie"
        out = await browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": new_csrf})
        assert out.status_code == 204
        assert (await browser.get("/api/v1/auth/me")).status_code == 401


async def test_bearer_and_api_key_need_no_csrf(client: httpx.AsyncClient, anon_client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/artists", json={"name": "Robyn"})).status_code == 201
    key = (await client.post("/api/v1/api-keys", json={"name": "script"})).json()["key"]
    made = await anon_client.post("/api/v1/artists", json={"name": "Lorde"}, headers={"X-Api-Key": key})
    assert made.status_code == 201


async def test_security_headers(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/api/v1/health")
    csp = response.headers["content-security-policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers, "HSTS only over HTTPS"
    error = await anon_client.get("/api/v1/artists")
    assert error.headers["x-content-type-options"] == "nosniff"
    docs = await anon_client.get("/api/docs")
    docs_script = next(p for p in docs.headers["content-security-policy"].split(";") if "script-src" in p)
    assert "unsafe-inline" not in docs_script
    assert docs_script.strip() == "script-src 'self'"  # Swagger UI is served by us (decision 0012)


async def test_hsts_over_https(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as https:
        response = await https.get("/api/v1/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_cors_off_by_default_and_on_for_listed_origins(
    anon_client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    preflight = {"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"}
    off = await anon_client.options("/api/v1/health", headers=preflight)
    assert "access-control-allow-origin" not in off.headers
    app = create_app(settings.model_copy(update={"cors_origins": ["https://ui.example"]}), database=db)
    async with app.router.lifespan_context(app), http_client(app) as other:
        on = await other.options("/api/v1/health", headers=preflight)
        assert on.headers["access-control-allow-origin"] == "https://ui.example"
        foreign = await other.options("/api/v1/health", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers


async def test_openapi_documents_security(anon_client: httpx.AsyncClient) -> None:
    document = (await anon_client.get("/api/v1/openapi.json")).json()
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey", "cookie"}
    assert document["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    artists = document["paths"]["/api/v1/artists"]["post"]
    assert {"bearer": []} in artists["security"]
    assert "401" in artists["responses"]
    assert "403" in artists["responses"]


async def test_password_tokens_are_not_in_token_result_for_cookie_mode(app: Any) -> None:
    await make_user(app, "kim", Role.READONLY)
    async with http_client(app) as browser:
        result = await tokens(browser, "kim", cookie=True)
        assert result["access_token"] is None
