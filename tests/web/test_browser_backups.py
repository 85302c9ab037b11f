"""Health warnings and backups in a real browser against a real `mvidarr serve`: the warnings banner;
back up, see the backup listed, preview a restore, restore it."""

from __future__ import annotations

from tests.web.browser import BROWSER_MARKS, Server, Tab, browser, server, sign_in, tab

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name


def test_health_warnings_banner_on_every_page(tab: Tab, server: Server) -> None:
    """A fresh server has no backup yet: admins see the warning on any page, with a link to the fix."""
    with server.api(server.admin_token()) as api:
        items = api.get("/system/warnings").json()["items"]
    sources = {item["source"] for item in items}
    assert "backups" in sources  # runs before the backup test below, on a fresh server
    sign_in(tab, server)
    page = tab.page
    for path in ("/", "/videos"):
        tab.go(path)
        banner = page.locator("#health-banner")
        banner.wait_for()
        for source in sources:
            assert banner.locator(f"[data-source='{source}']").count() >= 1
    page.locator("#health-banner [data-source='backups'] a").click()
    page.wait_for_url("**/system#backups")


def test_back_up_then_restore_from_the_system_page(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    tab.go("/system")
    page.locator("#backup-list").wait_for()
    before = page.locator("#backup-list tbody tr[data-name]").count()
    page.click("#backup-now")
    page.locator("#backup-status", has_text="made").wait_for(timeout=60_000)
    rows = page.locator("#backup-list tbody tr[data-name]")
    assert rows.count() == before + 1
    name = rows.first.get_attribute("data-name")
    assert name is not None
    assert name.startswith("mvidarr-backup-")
    assert rows.first.locator("a", has_text="Download").get_attribute("href") == f"/api/v1/backups/{name}"

    rows.first.locator("button", has_text="Restore").click()
    page.locator("#restore-panel").wait_for()
    page.click("#restore-form button[type=submit]")
    page.locator("#restore-plan", has_text="replaces the whole database").wait_for()
    assert page.locator("#restore-confirm").is_enabled()
    tab.shot("system-backups")
    page.click("#restore-confirm")
    page.locator("#backup-status", has_text=f"Restored {name}").wait_for(timeout=30_000)
    assert "Restored" in page.locator("#restore-plan").inner_text()
