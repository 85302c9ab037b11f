"""Sign-in by a reverse proxy's user header: honoured only when the connecting address is one of
MVIDARR_TRUSTED_PROXIES (whatever X-Forwarded-For says), with roles from the groups header."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.app import create_app
from mvidarr.auth.guard import CSRF_COOKIE, CSRF_HEADER
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.models import AuditEvent, Role, Setting
from tests.conftest import make_user

pytestmark = pytest.mark.anyio
PROXY = "10.1.2.3"
STRANGER = "192.168.1.50"


@pytest.fixture
async def proxied_app(settings: Settings, db: Database) -> AsyncIterator[Any]:
    application = create_app(settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}), database=db)
    async with application.router.lifespan_context(application):
        yield application


async def _set(app: Any, **values: Any) -> None:
    async with app.state.db.writer() as session:
        for key, value in values.items():
            await session.merge(Setting(key=f"auth.{key}", value=value))
        await session.commit()


def _from(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def _audit(app: Any, action: str) -> list[AuditEvent]:
    async with app.state.db.reader() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list((await session.execute(query)).scalars())


async def test_off_by_default(proxied_app: Any) -> None:
    async with _from(proxied_app, PROXY) as browser:
        response = await browser.post("/api/v1/sso/proxy", headers={"Remote-User": "alice"})
        assert response.status_code == 404, response.text


async def test_the_trusted_proxy_signs_the_user_in_with_a_mapped_role(proxied_app: Any) -> None:
    await _set(proxied_app, proxy_sign_in=True, proxy_role_mapping=["family=user", "mvidarr-admins=admin"])
    headers = {"Remote-User": "alice", "Remote-Groups": "family, mvidarr-admins", "Remote-Email": "alice@example.org"}
    async with _from(proxied_app, PROXY) as browser:
        browser.headers["X-Forwarded-For"] = "203.0.113.9"
        response = await browser.post("/api/v1/sso/proxy", headers=headers)
        assert response.status_code == 200, response.text
        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["username"], me["role"], me["email"]) == ("alice", "admin", "alice@example.org")
        # A session like any other: it refreshes and lists with the client's forwarded address.
        refreshed = await browser.post("/api/v1/auth/refresh", headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]})
        assert refreshed.status_code == 200, refreshed.text
        sessions = (await browser.get("/api/v1/auth/sessions")).json()
        assert [s["ip"] for s in sessions] == ["203.0.113.9"]
    logins = await _audit(proxied_app, "auth.login")
    assert logins[-1].details["proxy"] == PROXY


async def test_headers_from_an_untrusted_address_are_refused(proxied_app: Any) -> None:
    await _set(proxied_app, proxy_sign_in=True)
    admin = await make_user(proxied_app, "admin", Role.ADMIN)
    spoofed = {"Remote-User": admin.username, "Remote-Groups": "mvidarr-admins", "X-Forwarded-For": PROXY}
    async with _from(proxied_app, STRANGER) as attacker:
        response = await attacker.post("/api/v1/sso/proxy", headers=spoofed)
        assert response.status_code == 403, response.text
        assert "trusted proxy" in response.json()["detail"]
        assert CSRF_COOKIE not in attacker.cookies
        assert (await attacker.get("/api/v1/auth/me", headers=spoofed)).status_code == 401
    refused = await _audit(proxied_app, "auth.proxy_refused")
    assert [(r.username, r.details["peer"]) for r in refused] == [("admin", STRANGER)]


async def test_without_trusted_proxies_no_address_is_believed(app: Any) -> None:
    await _set(app, proxy_sign_in=True)
    async with _from(app, "127.0.0.1") as local:
        response = await local.post("/api/v1/sso/proxy", headers={"Remote-User": "alice"})
        assert response.status_code == 403, response.text


async def test_groups_decide_and_names_are_configurable(proxied_app: Any) -> None:
    await _set(
        proxied_app, proxy_sign_in=True, proxy_user_header="X-Auth-User", proxy_groups_header="X-Auth-Groups",
        proxy_role_mapping=["media=manager"], proxy_default_role=None,
    )  # fmt: skip
    async with _from(proxied_app, PROXY) as browser:
        nobody = await browser.post("/api/v1/sso/proxy", headers={"Remote-User": "alice"})
        assert nobody.status_code == 403
        assert "X-Auth-User" in nobody.json()["detail"]
        outsider = await browser.post("/api/v1/sso/proxy", headers={"X-Auth-User": "bob", "X-Auth-Groups": "guests"})
        assert outsider.status_code == 403
        assert "no group" in outsider.json()["detail"]
        member = await browser.post("/api/v1/sso/proxy", headers={"X-Auth-User": "bob", "X-Auth-Groups": "media"})
        assert member.status_code == 200, member.text
        assert (await browser.get("/api/v1/auth/me")).json()["role"] == "manager"


async def test_an_unknown_user_is_not_created_when_that_is_off(proxied_app: Any) -> None:
    await _set(proxied_app, proxy_sign_in=True, proxy_create_users=False)
    existing = await make_user(proxied_app, "Carol", Role.USER)
    async with _from(proxied_app, PROXY) as browser:
        assert (await browser.post("/api/v1/sso/proxy", headers={"Remote-User": "dave"})).status_code == 403
        known = await browser.post("/api/v1/sso/proxy", headers={"Remote-User": "carol"})
        assert known.status_code == 200, known.text
        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["id"], me["role"]) == (existing.id, "user")  # no mapping configured: the role stays
