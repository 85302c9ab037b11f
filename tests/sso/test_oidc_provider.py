"""Single sign-on through the API against a real OpenID provider (node-oidc-provider, started here):
the whole authorization-code flow with PKCE, then a bad state, a replayed callback, a wrong issuer, a
rotated signing key, account linking, role mapping, refresh and revocation of the session it made."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select

from mvidarr.auth.guard import CSRF_COOKIE, CSRF_HEADER
from mvidarr.models import AuditEvent, Role, User
from mvidarr.sso.oidc import OidcClient
from tests.conftest import allow_private_hosts, http_client, make_user
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, running_provider, sign_in_at_provider

pytestmark = pytest.mark.anyio
BASE = "http://test"
CALLBACK = f"{BASE}/api/v1/sso/idp/callback"


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[OpenIdProvider]:
    with running_provider([CALLBACK], tmp_path / "idp.log", [f"{BASE}/login"]) as provider:
        yield provider


@pytest.fixture
async def configured(app: Any, client: httpx.AsyncClient, idp: OpenIdProvider) -> AsyncIterator[dict[str, Any]]:
    await allow_private_hosts(app)
    body = {
        "slug": "idp", "name": "Home IdP", "issuer": idp.issuer, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "scopes": "openid profile email groups", "role_claim": "groups",
        "role_mapping": [{"value": "family", "role": "user"}, {"value": "mvidarr-admins", "role": "admin"}],
        "default_role": None,
    }  # fmt: skip
    response = await client.post("/api/v1/sso/providers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _start(browser: httpx.AsyncClient, next_path: str = "/videos") -> str:
    response = await browser.get("/api/v1/sso/idp/start", params={"next": next_path})
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def _sign_in(browser: httpx.AsyncClient, login: str, next_path: str = "/videos") -> httpx.Response:
    authorize = await _start(browser, next_path)
    callback = sign_in_at_provider(authorize, login)
    assert callback.startswith(CALLBACK), callback
    return await browser.get(callback.removeprefix(BASE))


def _error(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/login?"), location
    return parse_qs(urlsplit(location).query)["sso_error"][0]


async def test_provider_secret_is_write_only_and_sealed(app: Any, client: httpx.AsyncClient, configured: Any) -> None:
    assert configured["client_secret_set"] is True
    assert "client_secret" not in configured
    assert configured["redirect_uri"] == CALLBACK
    from mvidarr.models import SsoProvider

    async with app.state.db.reader() as session:
        stored = (await session.execute(select(SsoProvider.client_secret))).scalar_one()
    assert stored.startswith("sealed:")
    assert CLIENT_SECRET not in stored
    options = (await client.get("/api/v1/sso/options")).json()
    assert options["providers"] == [{"slug": "idp", "name": "Home IdP", "start_url": "/api/v1/sso/idp/start"}]


async def test_authorization_request_uses_pkce_s256_nonce_and_state(app: Any, configured: Any) -> None:
    async with http_client(app) as browser:
        authorize = await _start(browser)
        query = parse_qs(urlsplit(authorize).query)
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) == 43
        assert query["nonce"][0]
        assert query["state"][0]
        assert query["redirect_uri"] == [CALLBACK]
        assert browser.cookies.get("mvidarr_sso_state") == query["state"][0]


async def test_sign_in_creates_the_user_with_the_mapped_role_and_a_normal_session(app: Any, configured: Any) -> None:
    async with http_client(app) as browser:
        done = await _sign_in(browser, "alice")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/videos"
        assert "mvidarr_sso_state" not in browser.cookies
        me = await browser.get("/api/v1/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice"
        assert me.json()["role"] == "user"
        assert me.json()["email"] == "alice@example.org"
        # Refresh works like a password session's (cookie + CSRF).
        csrf = {CSRF_HEADER: browser.cookies[CSRF_COOKIE]}
        refreshed = await browser.post("/api/v1/auth/refresh", headers=csrf)
        assert refreshed.status_code == 200, refreshed.text
        # An API key made in this session works on its own.
        csrf = {CSRF_HEADER: browser.cookies[CSRF_COOKIE]}
        key = await browser.post("/api/v1/api-keys", json={"name": "script", "role": "user"}, headers=csrf)
        assert key.status_code == 201, key.text
        async with http_client(app) as script:
            answer = await script.get("/api/v1/auth/me", headers={"X-Api-Key": key.json()["key"]})
            assert answer.status_code == 200
            assert answer.json()["username"] == "alice"
        # Sign-out ends the session and offers the provider's sign-out.
        out = await browser.post("/api/v1/sso/logout", headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]})
        assert out.status_code == 200, out.text
        end = out.json()["end_session_url"]
        assert end.startswith(f"{configured['issuer']}/session/end?")
        assert parse_qs(urlsplit(end).query)["post_logout_redirect_uri"] == [f"{BASE}/login"]
    async with app.state.db.reader() as session:
        actions = list((await session.execute(select(AuditEvent.action, AuditEvent.details))).all())
    assert any(action == "auth.login" and details.get("sso") == "idp" for action, details in actions)
    assert any(action == "user.created" and details.get("source") == "sso:idp" for action, details in actions)
    assert any(action == "auth.logout" for action, _ in actions)


async def test_the_second_sign_in_finds_the_same_user_and_syncs_the_role(app: Any, configured: Any) -> None:
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "bob")).status_code == 303
        assert (await browser.get("/api/v1/auth/me")).json()["role"] == "admin"
    async with app.state.db.writer() as session:
        bob = (await session.execute(select(User).where(User.username == "bob"))).scalar_one()
        bob.role = Role.READONLY.value
        await session.commit()
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "bob")).status_code == 303
        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["id"], me["role"]) == (bob.id, "admin")


async def test_links_an_existing_account_by_verified_email_only(app: Any, configured: Any) -> None:
    existing = await make_user(app, "alice.local", Role.MANAGER, email="Alice@Example.org")
    await make_user(app, "admin-local", Role.ADMIN, email="admin@example.org")
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
        me = (await browser.get("/api/v1/auth/me")).json()
        assert me["id"] == existing.id
        assert me["role"] == "user"  # the provider's groups decide
    async with http_client(app) as browser:
        # eve's provider e-mail is the admin's, but unverified: a new account, not the admin's.
        assert (await _sign_in(browser, "eve")).status_code == 303
        me = (await browser.get("/api/v1/auth/me")).json()
        assert me["username"] == "admin-2"
        assert me["role"] == "user"
        assert me["email"] is None


async def test_no_mapped_group_is_refused_when_there_is_no_default_role(app: Any, configured: Any) -> None:
    async with http_client(app) as browser:
        message = _error(await _sign_in(browser, "mallory"))
        assert "no group" in message
        assert (await browser.get("/api/v1/auth/me")).status_code == 401


async def test_admin_links_a_provider_account(app: Any, client: httpx.AsyncClient, configured: Any) -> None:
    carol = await make_user(app, "carol", Role.READONLY)
    await client.patch(f"/api/v1/sso/providers/{configured['id']}", json={"create_users": False})
    async with http_client(app) as browser:
        assert "no MVidarr account is linked" in _error(await _sign_in(browser, "alice"))
    linked = await client.post(f"/api/v1/sso/users/{carol.id}/identities", json={"provider": "idp", "subject": "alice"})
    assert linked.status_code == 201, linked.text
    await client.patch(f"/api/v1/sso/providers/{configured['id']}", json={"link_by_email": False})
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
        assert (await browser.get("/api/v1/auth/me")).json()["id"] == carol.id
    listed = (await client.get(f"/api/v1/sso/users/{carol.id}/identities")).json()
    assert [(i["provider"], i["subject"], i["email"]) for i in listed] == [("idp", "alice", "alice@example.org")]


async def test_a_state_not_bound_to_this_browser_is_refused(app: Any, configured: Any) -> None:
    async with http_client(app) as victim, http_client(app) as attacker:
        # The attacker's own sign-in, whose callback they make the victim's browser open.
        authorize = await _start(attacker)
        callback = sign_in_at_provider(authorize, "mallory")
        assert "not started in this browser" in _error(await victim.get(callback.removeprefix(BASE)))
        assert (await victim.get("/api/v1/auth/me")).status_code == 401
    async with http_client(app) as browser:
        authorize = await _start(browser)
        callback = sign_in_at_provider(authorize, "alice")
        tampered = callback.replace("state=", "state=x")
        assert "state" in _error(await browser.get(tampered.removeprefix(BASE)))


async def test_a_replayed_callback_is_refused(app: Any, configured: Any) -> None:
    async with http_client(app) as browser:
        authorize = await _start(browser)
        callback = sign_in_at_provider(authorize, "alice")
        state = browser.cookies["mvidarr_sso_state"]
        assert (await browser.get(callback.removeprefix(BASE))).status_code == 303
        browser.cookies.set("mvidarr_sso_state", state, path="/api/v1/sso")
        assert "already used" in _error(await browser.get(callback.removeprefix(BASE)))
    async with app.state.db.reader() as session:
        failures = list(
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "auth.sso_failed"))).scalars()
        )
    assert failures
    assert "already used" in failures[-1].details["reason"]


async def test_a_wrong_issuer_is_refused(
    app: Any, client: httpx.AsyncClient, configured: Any, idp: OpenIdProvider
) -> None:
    localhost = idp.issuer.replace("127.0.0.1", "localhost")
    await client.patch(f"/api/v1/sso/providers/{configured['id']}", json={"issuer": localhost})
    async with http_client(app) as browser:
        response = await browser.get("/api/v1/sso/idp/start")
        assert response.status_code == 401, response.text
        assert "issuer" in response.json()["detail"]


async def test_a_rotated_signing_key_is_fetched_again(app: Any, configured: Any, idp: OpenIdProvider) -> None:
    oidc: OidcClient = app.state.oidc
    oidc.jwks_refetch_s = 0.0
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
    idp.restart(key_id="key-2")
    async with http_client(app) as browser:
        done = await _sign_in(browser, "alice")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/videos"
        assert (await browser.get("/api/v1/auth/me")).status_code == 200


async def test_a_lan_provider_needs_the_allowed_private_hosts_setting(
    app: Any, client: httpx.AsyncClient, configured: Any
) -> None:
    await allow_private_hosts(app, ["192.0.2.1"])
    app.state.oidc.forget()
    async with http_client(app) as browser:
        response = await browser.get("/api/v1/sso/idp/start")
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("network-refused")


async def test_passwords_can_be_switched_off_except_for_the_break_glass_admin(
    app: Any, client: httpx.AsyncClient
) -> None:
    from tests.conftest import TEST_PASSWORD

    await make_user(app, "root", Role.ADMIN)
    await make_user(app, "viewer", Role.READONLY)
    changed = await client.patch(
        "/api/v1/settings", json={"auth.password_sign_in": False, "auth.break_glass_admin": "root"}
    )
    assert changed.status_code == 200, changed.text
    async with http_client(app) as anon:
        for name, expected in (("viewer", 403), ("admin", 403), ("root", 200)):
            answer = await anon.post("/api/v1/auth/login", json={"username": name, "password": TEST_PASSWORD})
            assert answer.status_code == expected, (name, answer.text)
        wrong = await anon.post("/api/v1/auth/login", json={"username": "viewer", "password": "wrong password!"})
        assert wrong.status_code == 401
    options = (await client.get("/api/v1/sso/options")).json()
    assert options["password"] is False


async def test_an_answer_naming_another_issuer_is_refused(app: Any, configured: Any) -> None:
    """RFC 9207: the provider names itself in the callback (`iss`); another name means a mix-up."""
    async with http_client(app) as browser:
        authorize = await _start(browser)
        callback = sign_in_at_provider(authorize, "alice")
        assert "iss=" in callback
        query = parse_qs(urlsplit(callback).query)
        forged = f"/api/v1/sso/idp/callback?{urlencode({**{k: v[0] for k, v in query.items()}, 'iss': 'https://evil.example'})}"
        assert "not from" in _error(await browser.get(forged))
        assert (await browser.get("/api/v1/auth/me")).status_code == 401


async def test_claims_only_in_userinfo_are_read_from_there(app: Any, configured: Any, idp: OpenIdProvider) -> None:
    """Authelia (by default) keeps e-mail and groups out of the ID token; the userinfo endpoint has them."""
    idp.restart(key_id="key-1", userinfo_only=True)
    app.state.oidc.forget()
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["username"], me["role"], me["email"]) == ("alice", "user", "alice@example.org")


async def test_an_issuer_typed_with_a_trailing_slash_still_matches(
    app: Any, client: httpx.AsyncClient, configured: Any, idp: OpenIdProvider
) -> None:
    await client.patch(f"/api/v1/sso/providers/{configured['id']}", json={"issuer": idp.issuer + "/"})
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
        assert (await browser.get("/api/v1/auth/me")).status_code == 200


async def test_sign_ins_under_way_are_bounded(app: Any, configured: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mvidarr.sso import service

    monkeypatch.setattr(service, "MAX_PENDING_LOGINS", 2)
    async with http_client(app) as browser:
        await _start(browser)
        await _start(browser)
        refused = await browser.get("/api/v1/sso/idp/start")
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"] == "60"


async def test_forged_callbacks_are_throttled_per_address(app: Any, configured: Any) -> None:
    async with http_client(app) as attacker:
        for _ in range(30):
            assert "state" in _error(await attacker.get("/api/v1/sso/idp/callback?code=x&state=y"))
        assert "too many failed sign-ins" in _error(await attacker.get("/api/v1/sso/idp/callback?code=x&state=y"))
    async with app.state.db.reader() as session:
        failures = (await session.execute(select(AuditEvent).where(AuditEvent.action == "auth.sso_failed"))).all()
    assert len(failures) == 30


async def test_a_replayed_id_token_is_refused_by_its_nonce(
    app: Any, configured: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ID token the provider really signed for an earlier sign-in, handed back in a new one (a token
    leaked from a log or a proxy): its nonce is not the new sign-in's."""
    oidc: OidcClient = app.state.oidc
    real_exchange = oidc.exchange
    seen: list[tuple[str, str | None]] = []

    async def recording(*args: Any, **kwargs: Any) -> tuple[str, str | None]:
        tokens = await real_exchange(*args, **kwargs)
        seen.append(tokens)
        return tokens

    monkeypatch.setattr(oidc, "exchange", recording)
    async with http_client(app) as browser:
        assert (await _sign_in(browser, "alice")).status_code == 303
    [(old_id_token, _)] = seen

    async def replaying(*args: Any, **kwargs: Any) -> tuple[str, str | None]:
        await real_exchange(*args, **kwargs)  # the new code is spent at the provider as usual
        return old_id_token, None

    monkeypatch.setattr(oidc, "exchange", replaying)
    async with http_client(app) as browser:
        message = _error(await _sign_in(browser, "alice"))
        assert "nonce" in message
        assert (await browser.get("/api/v1/auth/me")).status_code == 401
