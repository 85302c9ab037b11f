"""Single sign-on in a real browser: an admin adds the provider on Settings → Users & sign-in, then a
person signs in on the provider's own login page (node-oidc-provider, started here) and signs out of
both. Skips without node outside CI, like tests/sso."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, running_provider
from tests.web.browser import BROWSER_MARKS, Server, Tab, axe_problems, axe_source, browser, server, sign_in, tab

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name


@pytest.fixture(scope="module")
def idp(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    log = Path(tmp_path_factory.mktemp("idp")) / "idp.log"
    callback = f"{server.base}/api/v1/sso/idp/callback"
    with running_provider([callback], log, [f"{server.base}/login"]) as provider:
        with server.api(server.admin_token()) as api:
            allowed = api.patch("/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
            assert allowed.status_code == 200, allowed.text
        yield provider


def test_settings_add_a_provider_then_sign_in_and_out_through_it(tab: Tab, server: Server, idp: OpenIdProvider) -> None:
    # The provider's own pages import a web font, and the browser asks the provider for its icon.
    tab.watch.allow(r"fonts\.googleapis\.com")
    tab.watch.allow(re.escape(idp.issuer) + r"/favicon\.ico")
    sign_in(tab, server)
    page = tab.page
    tab.go("/settings/signin")
    assert page.get_by_role("heading", name="Single sign-on providers").is_visible()
    page.fill("#sso-name", "Home IdP")
    page.fill("#sso-slug", "idp")
    page.fill("#sso-issuer", idp.issuer)
    page.fill("#sso-client-id", CLIENT_ID)
    page.fill("#sso-client-secret", CLIENT_SECRET)
    page.fill("#sso-scopes", "openid profile email groups")
    page.fill("#sso-role-claim", "groups")
    page.fill("#sso-mapping", "family=user\nmvidarr-admins=admin")
    page.select_option("#sso-default-role", "")
    page.evaluate("window.stayed = true")  # adding and saving update the table in place
    page.click("#sso-form button[type=submit]")
    row = page.locator("#sso-providers tr:has-text('Home IdP')")
    row.wait_for()
    assert f"{server.base}/api/v1/sso/idp/callback" in row.inner_text()
    assert axe_problems(page, axe_source()) == []
    # Edit: the form takes the provider's values; the secret stays unless one is typed.
    row.get_by_role("button", name="Edit the provider Home IdP").click()
    assert page.input_value("#sso-mapping") == "family=user\nmvidarr-admins=admin"
    assert page.is_disabled("#sso-slug")
    page.fill("#sso-mapping", "family=user\nmvidarr-admins=admin\nguests=readonly")
    page.click("#sso-form button[type=submit]")
    page.wait_for_selector(".toast:has-text('Provider saved.')")
    page.locator("#sso-providers tr:has-text('guests=readonly')").wait_for()
    assert page.evaluate("window.stayed") is True
    assert not page.is_disabled("#sso-slug")  # the form is back to adding a provider
    with server.api(server.admin_token()) as api:
        [provider] = api.get("/sso/providers").json()
        assert provider["client_secret_set"] is True
        assert provider["role_mapping"] == [
            {"value": "family", "role": "user"},
            {"value": "mvidarr-admins", "role": "admin"},
            {"value": "guests", "role": "readonly"},
        ]

    page.context.clear_cookies()
    tab.go("/login?next=/videos")
    assert axe_problems(page, axe_source()) == []
    page.get_by_role("link", name="Sign in with Home IdP").click()
    page.wait_for_url(re.compile(re.escape(idp.issuer) + "/interaction/"))
    page.fill('input[name="login"]', "alice")
    page.fill('input[name="password"]', "any password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/videos")
    assert page.get_by_role("heading", name="Videos").is_visible()
    me = page.request.get("/api/v1/auth/me").json()
    assert (me["username"], me["role"]) == ("alice", "user")

    tab.live()
    page.click(".user-menu summary")
    page.click("#logout")
    page.wait_for_url(re.compile(re.escape(idp.issuer) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert page.request.get("/api/v1/auth/me").status == 401


def test_a_failed_provider_sign_in_is_explained_on_the_login_page(tab: Tab, server: Server) -> None:
    tab.go("/login?sso_error=the%20provider%20refused%20the%20code")
    assert tab.page.locator("#sso-error").inner_text() == "Single sign-on failed: the provider refused the code"


def test_an_admin_links_and_unlinks_a_provider_account(tab: Tab, server: Server, idp: OpenIdProvider) -> None:
    sign_in(tab, server)
    page = tab.page
    with server.api(server.admin_token()) as api:
        if not api.get("/sso/providers").json():  # this test alone: the provider the first one adds
            body = {"slug": "idp", "name": "Home IdP", "issuer": idp.issuer, "client_id": CLIENT_ID}
            assert api.post("/sso/providers", json=body).status_code == 201
    tab.go("/settings/users")
    page.get_by_role("button", name="Sign-in accounts of admin").click()
    panel = page.locator("#identities-panel")
    panel.get_by_text("None linked.").wait_for()
    page.fill("#identity-subject", "admin-at-the-provider")
    page.click("#identity-form button[type=submit]")
    panel.get_by_text("idp: admin-at-the-provider").wait_for()
    assert axe_problems(page, axe_source()) == []
    panel.get_by_role("button", name="Unlink idp account admin-at-the-provider").click()
    panel.get_by_text("None linked.").wait_for()
