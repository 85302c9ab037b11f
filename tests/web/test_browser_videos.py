"""The videos page in a real browser: select rows, a whole page, or every video matching the filters across
pages; bulk-edit the selection and delete it to the trash; the table refreshes; axe finds nothing serious
with a selection showing. The kit (server, browser, tab, axe) is in tests/web/browser.py."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import make_url

from mvidarr.db import Database
from tests.factories import attach_file
from tests.web.browser import (
    BROWSER_MARKS,
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

LIST = "/videos?q=bulk+clip&sort=title&page_size=3"


def _attach_files(server: Server, video_ids: list[int]) -> list[str]:
    """A small file on disk and a current media file row for each video; their relative paths."""
    names = []
    for video_id in video_ids:
        path = server.library / "Bulk Band" / f"clip-{video_id}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not really a video, but a file to trash " * 10)
        names.append(f"Bulk Band/{path.name}")
    database = Database.connect(make_url(f"sqlite+aiosqlite:///{server.data / 'mvidarr.db'}"), pool_size=1)

    async def attach() -> None:
        try:
            for video_id, name in zip(video_ids, names, strict=True):
                size = (server.library / name).stat().st_size
                await attach_file(database, video_id, str(server.library), relative_path=name, size=size)
        finally:
            await database.dispose()

    # Playwright's sync API keeps an event loop on this thread; the database work gets its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, attach()).result()
    return names


def _rows(tab: Tab) -> list[str]:
    return [str(t) for t in tab.page.locator("#video-list tbody tr[data-video-id] td:nth-child(2) a").all_inner_texts()]


def test_select_across_pages_bulk_edit_then_delete_to_the_trash(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    with server.api(server.admin_token()) as api:
        artist = api.post("/artists", params={"enrich": "false"}, json={"name": "Bulk Band"}).json()
        videos: list[dict[str, Any]] = [
            api.post("/videos", json={"artist_id": artist["id"], "title": f"Bulk Clip {n:02d}"}).json()
            for n in range(1, 8)
        ]
        outsider = api.post("/videos", json={"artist_id": artist["id"], "title": "Not in the filter"}).json()
    files = _attach_files(server, [videos[0]["id"], videos[1]["id"], videos[2]["id"]])

    tab.go(LIST)
    tab.live()
    assert _rows(tab) == ["Bulk Clip 01", "Bulk Clip 02", "Bulk Clip 03"]
    assert page.locator("nav.pager").inner_text().count("of 7") == 1
    matching = page.locator("#select-matching")
    assert matching.is_hidden()

    # The whole page, then every video matching the filter (seven, over three pages).
    page.check("#select-all")
    assert page.locator("#selected-count").inner_text() == "3 selected"
    assert matching.inner_text() == "Select all 7 videos matching this filter"
    matching.click()
    assert page.locator("#selected-count").inner_text() == "All 7 videos matching this filter selected"
    assert page.evaluate("document.activeElement.id") == "select-clear", "focus moves to the button that replaced it"
    problems = axe_problems(page, axe_source())
    assert not problems, problems
    tab.shot("videos-selection")
    # Unticking a row leaves "all matching": the selection is that page's rows again.
    row = page.locator(f'#video-list input[name="selected"][value="{videos[0]["id"]}"]')
    row.uncheck()
    assert page.locator("#selected-count").inner_text() == "2 selected"
    assert page.locator("#select-clear").is_hidden()
    row.check()
    matching.click()
    assert page.locator("#selected-count").inner_text() == "All 7 videos matching this filter selected"

    # Edit: every matching video is ignored, the ones on other pages too; the outsider is not.
    page.select_option("#bulk-action", "edit")
    page.click("#video-bulk button[type=submit]")
    dialog = page.locator("#bulk-edit")
    dialog.wait_for(state="visible")
    assert dialog.locator(".edit-count").inner_text() == "7 videos"
    dialog.locator("button[value=apply]").click()
    assert dialog.locator(".form-error").inner_text() == "Choose at least one change."
    page.select_option("#edit-status", "ignored")
    tab.shot("videos-bulk-edit")
    dialog.locator("button[value=apply]").click()
    page.wait_for_selector(".toast:has-text('Changed 7 videos.')")
    page.wait_for_function("() => document.getElementById('selected-count').textContent === '0 selected'")
    assert page.locator("#video-list tbody .badge").all_inner_texts() == ["ignored"] * 3, "the table refreshed"
    with server.api(server.admin_token()) as api:
        statuses = {v["id"]: v["status"] for v in api.get("/videos", params={"page_size": 50}).json()["items"]}
    assert [statuses[v["id"]] for v in videos] == ["ignored"] * 7
    assert statuses[outsider["id"]] == "wanted"

    # Organise one video's file: a job, linked from the toast and announced when it ends.
    page.check(f'#video-list input[name="selected"][value="{videos[2]["id"]}"]')
    page.select_option("#bulk-action", "organise")
    page.click("#video-bulk button[type=submit]")
    page.wait_for_selector(".toast:has-text('Organising the files of 1 video.') a[href='/activity#queue-title']")
    page.wait_for_selector(".toast:has-text('(library.organize) succeeded.')")
    assert not (server.library / files[2]).exists()
    assert (server.library / "Bulk Band" / "Bulk Band - Bulk Clip 03.mp4").exists()

    # Delete two rows to the trash, chosen with the keyboard.
    first = page.locator(f'#video-list input[name="selected"][value="{videos[0]["id"]}"]')
    second = page.locator(f'#video-list input[name="selected"][value="{videos[1]["id"]}"]')
    first.focus()
    page.keyboard.press("Space")
    second.focus()
    page.keyboard.press("Space")
    assert page.locator("#selected-count").inner_text() == "2 selected"
    page.select_option("#bulk-action", "delete")
    page.click("#video-bulk button[type=submit]")
    confirm = page.locator("dialog:has-text('Delete 2 videos?')")
    confirm.wait_for(state="visible")
    confirm.locator("button[value=yes]").click()
    page.wait_for_selector(".toast:has-text('Deleted 2 videos; 2 files moved to the trash.')")
    page.wait_for_function("() => document.querySelectorAll('#video-list tbody tr[data-video-id]').length === 3")
    assert _rows(tab) == ["Bulk Clip 03", "Bulk Clip 04", "Bulk Clip 05"]
    assert page.locator("#video-total").inner_text() == "(5)"
    with server.api(server.admin_token()) as api:
        assert api.get(f"/videos/{videos[0]['id']}").status_code == 404
        assert api.get(f"/videos/{videos[1]['id']}").status_code == 404
    assert not (server.library / files[0]).exists()

    tab.go("/trash")
    trashed = page.locator("#trash tbody tr[data-entry-id] code").all_inner_texts()
    assert sorted(trashed) == sorted(files[:2])
