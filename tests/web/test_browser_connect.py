"""The Connect page in a real browser against a real `mvidarr serve`: add a webhook, send a test,
see it delivered in the delivery log, replay it."""

from __future__ import annotations

from tests.fakes.receivers import JELLYFIN_KEY, FakeJellyfin, WebhookReceiver, serve
from tests.web.browser import (
    BROWSER_MARKS,
    PHONE,
    WIDEST,
    Server,
    Tab,
    axe_problems,
    axe_source,
    browser,
    server,
    sign_in,
    tab,
)

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name
SECRET = "browser-test-secret"


def test_add_a_webhook_send_a_test_and_see_it_in_the_delivery_log(tab: Tab, server: Server) -> None:
    with server.api(server.admin_token()) as api:
        allowed = api.patch("/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
        assert allowed.status_code == 200, allowed.text
    sign_in(tab, server)
    page = tab.page
    with serve(WebhookReceiver(secret=SECRET)) as receiver:
        tab.go("/connect")
        page.locator("#targets tbody td.empty", has_text="No notifications yet").wait_for()
        assert not axe_problems(page, axe_source())
        page.click("#add-target")
        page.fill("#target-name", "Receiver")
        page.select_option("#target-kind", "webhook")
        page.fill("#target-url", receiver.base + "/hook")
        page.fill("#target-secret", SECRET)
        page.check("input[name=events][value='video.downloaded']")
        page.check("input[name=events][value='job.failed']")
        page.click("#target-form button[type=submit]")
        row = page.locator("#targets tbody tr", has_text="Receiver")
        row.wait_for()
        assert "video.downloaded, job.failed" in row.inner_text()
        assert page.locator("#target-form").is_hidden()

        row.locator("button[data-action=test]").click()
        delivered = page.locator("#deliveries tbody tr[data-status=delivered]")
        delivered.wait_for()
        assert "test" in delivered.first.inner_text()
        assert len(receiver.received) == 1
        assert receiver.signature_ok(receiver.received[0])
        assert receiver.received[0].json()["event"] == "test"
        assert not axe_problems(page, axe_source())
        tab.shot("connect-delivery-log")

        delivered.first.locator("button[data-action=replay]").click()
        page.locator("#deliveries tbody tr").nth(1).wait_for()
        # The server's delivery worker sends the replay at once.
        page.wait_for_function("() => document.querySelectorAll('#deliveries tbody tr').length === 2")
        deadline_rows = page.locator("#deliveries tbody tr[data-status=delivered]")
        for _ in range(50):
            page.click("#delivery-log-refresh")
            page.wait_for_timeout(200)
            if deadline_rows.count() == 2:
                break
        assert deadline_rows.count() == 2
        assert len(receiver.received) == 2

        # Dark, and a phone: the form and the log fit (tables scroll inside their own box).
        page.emulate_media(color_scheme="dark")
        page.click("#add-target")
        assert not axe_problems(page, axe_source())
        page.set_viewport_size(PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"/connect is {overflow} px wider than a 375 px screen: {page.evaluate(WIDEST)}"


def test_link_a_user_to_jellyfin_and_sync_watched_state_now(tab: Tab, server: Server) -> None:
    with server.api(server.admin_token()) as api:
        allowed = api.patch("/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
        assert allowed.status_code == 200, allowed.text
    sign_in(tab, server)
    page = tab.page
    with serve(FakeJellyfin()) as jellyfin:
        with server.api(server.admin_token()) as api:
            created = api.post("/connections", json={"name": "Den", "kind": "jellyfin", "url": jellyfin.base,
                                                     "token": JELLYFIN_KEY})  # fmt: skip
            assert created.status_code == 201, created.text
        tab.go("/connect")
        row = page.locator("#connections tbody tr", has_text="Den")
        row.locator("button[data-action=watched]").click()
        page.locator("#watch-links tbody td.empty", has_text="No users linked yet").wait_for()
        assert page.locator("#watch-link-token").is_hidden()
        page.fill("#watch-link-remote", "alice")
        page.click("#watch-link-form button[type=submit]")
        linked = page.locator("#watch-links tbody tr", has_text="alice")
        linked.wait_for()
        assert "not synced yet" in linked.inner_text()
        assert not axe_problems(page, axe_source())

        page.click("#watch-sync-now")
        page.locator("#watch-sync-status", has_text="Sync finished.").wait_for(timeout=30_000)
        assert "0 matched · 0 sent · 0 taken · 0 conflicts" in linked.inner_text()
        assert any(r.path == "/Users" for r in jellyfin.received)
        tab.shot("connect-watched-state")
