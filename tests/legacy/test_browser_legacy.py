"""The 0.9.7 import from the System page in a real browser against a real `mvidarr serve`: the dry
run's report, then the import, with live progress; axe clean on the page with the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.legacy097 import LegacyDatabase, create_legacy_database, load_realistic, require_mariadb
from tests.web.browser import BROWSER_MARKS, Server, Tab, axe_problems, axe_source, browser, server, sign_in, tab

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name


@pytest.fixture
def legacy(tmp_path: Path) -> Iterator[tuple[LegacyDatabase, Path]]:
    require_mariadb()
    legacy_db = create_legacy_database()
    try:
        realistic = load_realistic(legacy_db, tmp_path / "old")
        yield legacy_db, realistic.library
    finally:
        legacy_db.drop()


def test_dry_run_then_import_from_the_system_page(
    tab: Tab, server: Server, legacy: tuple[LegacyDatabase, Path]
) -> None:
    legacy_db, library = legacy
    with server.api(server.admin_token()) as api:
        allowed = api.patch("/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
        assert allowed.status_code == 200, allowed.text
        added = api.post("/root-folders", json={"path": str(library)})
        assert added.status_code == 201, added.text
    sign_in(tab, server)
    page = tab.page
    tab.go("/system")
    tab.live()
    page.fill("#legacy-url", legacy_db.url)
    page.fill("#legacy-maps", f"data/musicvideos={library}")
    assert page.locator("#legacy-import-now").is_disabled()
    page.click("#legacy-dry-run")
    page.locator("#legacy-status", has_text="Dry run done").wait_for(timeout=60_000)
    kinds = page.locator("#legacy-kinds tbody tr")
    assert kinds.count() == 11
    videos = page.locator("#legacy-kinds tbody tr", has_text="videos").first.locator("td")
    assert videos.nth(0).inner_text() == "10"  # rows
    assert videos.nth(1).inner_text() == "9"  # imported
    assert "not inside any root folder" in page.locator("#legacy-report").inner_text()
    tab.shot("system-legacy-dry-run")
    assert not axe_problems(page, axe_source())
    with server.api(server.admin_token()) as api:
        assert api.get("/videos").json()["total"] == 0  # a dry run changes nothing

    assert page.locator("#legacy-import-now").is_enabled()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#legacy-import-now")
    page.locator("#legacy-status", has_text="Import done").wait_for(timeout=60_000)
    # The scan of the linked files and the thumbnail fetch are queued after it.
    assert "Queued next" in page.locator("#legacy-queued").inner_text()
    with server.api(server.admin_token()) as api:
        assert api.get("/videos").json()["total"] == 9

    # Imported users have no password anyone knows: an admin sets a first one from the Users table.
    tab.go("/settings/users")
    row = page.locator("#users tr", has_text="Marie")
    assert row.locator(".badge", has_text="must change password").count() == 1
    row.locator("button[data-action=password]").click()
    page.fill("#set-password", "a fresh start at last 42")
    page.click("dialog button[type=submit]")
    page.locator(".toast", has_text="Password set").wait_for()
    with server.api() as anonymous:
        signed_in = anonymous.post("/auth/login", json={"username": "Marie", "password": "a fresh start at last 42"})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["must_change_password"] is True
