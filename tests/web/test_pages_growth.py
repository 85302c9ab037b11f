"""The pages for the wanted lists, downloads, calendar, video detail additions, artist discovery and
the naming preview, over ASGI: what they render for each role and how their filters behave."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import Role
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


def _rows(html: str, table_id: str) -> list[int]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [int(x) for x in re.findall(r'<tr data-video-id="(\d+)"', body)]


async def test_wanted_lists_filter_sort_and_offer_actions(
    client: httpx.AsyncClient, client_as: Any, db: Database
) -> None:
    artist = await make_artist(client, "Wanted Artist")
    other = await make_artist(client, "Someone Else")
    old = await make_video(client, artist["id"], "Old Song", release_date="1999-05-01", year=1999)
    new = await make_video(client, artist["id"], "New Song", release_date="2021-02-03", year=2021, kind="live")
    elsewhere = await make_video(client, other["id"], "Elsewhere", release_date="2010-01-01", year=2010)
    have = await make_video(client, artist["id"], "Has File", status="downloaded")
    await attach_file(db, have["id"], "/srv/lib")

    page = (await client.get("/wanted")).text
    assert _rows(page, "wanted-list") == [new["id"], elsewhere["id"], old["id"]]  # newest release first
    assert 'aria-current="page">Missing' in page
    assert 'id="wanted-bulk"' in page
    assert '<option value="ignore">Ignore</option>' in page
    assert f'aria-label="Download {new["title"]}"' in page
    assert '<a href="/wanted" aria-current="page">Wanted</a>' in page  # in the sidebar

    oldest = (await client.get("/wanted", params={"sort": "release_date"})).text
    assert _rows(oldest, "wanted-list") == [old["id"], elsewhere["id"], new["id"]]
    by_artist = (await client.get("/wanted", params={"artist_id": artist["id"]})).text
    assert _rows(by_artist, "wanted-list") == [new["id"], old["id"]]
    assert "Wanted Artist" in by_artist
    assert 'name="artist_id" value' in by_artist
    assert _rows((await client.get("/wanted", params={"year": 1999})).text, "wanted-list") == [old["id"]]
    assert _rows((await client.get("/wanted", params={"kind": "live"})).text, "wanted-list") == [new["id"]]
    # A hand-edited URL falls back to defaults instead of an error.
    lenient = await client.get("/wanted", params={"list": "nonsense", "year": "abc", "sort": "drop table"})
    assert lenient.status_code == 200
    assert len(_rows(lenient.text, "wanted-list")) == 3

    cutoff = (await client.get("/wanted", params={"list": "cutoff_unmet"})).text
    assert 'aria-current="page">Cutoff unmet' in cutoff
    assert '<th scope="col">Quality</th>' in cutoff

    user = await client_as(Role.USER)
    as_user = (await user.get("/wanted")).text
    assert '<option value="download">Download</option>' in as_user
    assert '<option value="ignore">' not in as_user
    reader = await client_as(Role.READONLY)
    as_reader = (await reader.get("/wanted")).text
    assert 'id="wanted-bulk"' not in as_reader
    assert 'data-action="download"' not in as_reader
    assert _rows(as_reader, "wanted-list") == [new["id"], elsewhere["id"], old["id"]]


async def test_activity_shows_downloads_history_and_blocklist(
    client: httpx.AsyncClient, client_as: Any, tmp_path: Path
) -> None:
    (tmp_path / "library").mkdir()
    assert (await client.post("/api/v1/root-folders", json={"path": str(tmp_path / "library")})).status_code == 201
    artist = await make_artist(client, "Queue Artist")
    video = await make_video(client, artist["id"], "Queued Song")
    job = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()
    entry = (
        await client.post("/api/v1/blocklist", json={"source_url": "https://example.com/bad", "reason": "bad rip"})
    ).json()
    page = (await client.get("/activity")).text
    # The download rows are drawn by the page script from the first paint's JSON (data-items).
    found = re.search(r'id="download-queue" data-can-run="true" data-items="([^"]*)"', page)
    assert found is not None
    [item] = json.loads(html.unescape(found.group(1)))
    assert (item["job"]["id"], item["job"]["status"], item["video"]["title"]) == (job["id"], "queued", "Queued Song")
    blocklist = page.split('id="blocklist"', 1)[1].split("</table>", 1)[0]
    assert "bad rip" in blocklist
    assert f'data-entry-id="{entry["id"]}"' in blocklist
    assert f'aria-label="Remove blocklist entry {entry["id"]}"' in blocklist
    assert "No downloads yet." in page
    reader = await client_as(Role.READONLY)
    as_reader = (await reader.get("/activity")).text
    assert "bad rip" in as_reader
    assert "Remove blocklist entry" not in as_reader
    assert "Cancel download job" not in as_reader
    assert 'id="download-queue" data-can-run="false"' in as_reader


async def test_calendar_shows_a_month_of_releases(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Calendar Artist", monitored=True)
    await make_video(client, artist["id"], "March Release", release_date="2024-03-15")
    await make_video(client, artist["id"], "April Release", release_date="2024-04-02")
    march = (await client.get("/calendar", params={"month": "2024-03"})).text
    assert "March Release" in march
    assert "April Release" not in march
    assert 'datetime="2024-03-15"' in march
    assert 'href="/calendar?month=2024-02"' in march
    assert 'href="/calendar?month=2024-04"' in march
    # A month grid, Monday first: 1 March 2024 is a Friday, so five weeks from 26 February.
    grid = march.split('class="calendar-grid"', 1)[1].split("</table>", 1)[0]
    assert grid.count("<tr>") == 1 + 5
    assert grid.index('title="Monday"') < grid.index('title="Sunday"')
    assert grid.index('datetime="2024-03-01"') < grid.index("March Release") < grid.index('datetime="2024-03-16"')
    assert "No releases this month." in (await client.get("/calendar", params={"month": "1990-01"})).text
    today = await client.get("/calendar", params={"month": "garbage"})
    assert today.status_code == 200
    assert dt.date.today().strftime("%B %Y") in today.text


async def test_video_page_shows_report_files_sources_provenance_and_actions(
    client: httpx.AsyncClient, client_as: Any, db: Database
) -> None:
    artist = await make_artist(client, "Detail Artist")
    video = await make_video(client, artist["id"], "Detail Song", youtube_id="dQw4w9WgXcQ")
    bare = (await client.get(f"/videos/{video['id']}")).text
    assert 'id="quality-report"' in bare
    assert "No file." in bare
    assert "YouTube id dQw4w9WgXcQ" in bare
    assert 'data-action="enrich"' in bare
    assert 'id="download-source"' in bare
    assert 'id="artwork-upload"' in bare
    assert 'data-action="organise" disabled' in bare
    await attach_file(db, video["id"], "/srv/lib", width=1920, height=1080, quality_label="1080p")
    page = (await client.get(f"/videos/{video['id']}")).text
    assert 'id="video-files"' in page
    assert "1920\u00d71080" in page
    assert "cutoff" in page.split('id="quality-report"', 1)[1].split("</section>", 1)[0]
    assert 'data-action="organise">' in page
    user = await client_as(Role.USER)
    as_user = (await user.get(f"/videos/{video['id']}")).text
    assert 'data-action="download"' in as_user
    assert 'data-action="enrich"' not in as_user
    assert 'id="download-source"' not in as_user
    reader = await client_as(Role.READONLY)
    assert 'id="video-actions"' not in (await reader.get(f"/videos/{video['id']}")).text


async def test_artist_page_has_discovery_controls_for_managers(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Filter Artist", include_words=["live"], min_year=2001, allowed_kinds=["live"])
    page = (await client.get(f"/artists/{artist['id']}")).text
    assert 'data-action="discover"' in page
    assert 'data-action="preview"' in page
    assert 'id="f-include" name="include_words" value="live"' in page
    assert 'name="min_year" type="number" min="1900" max="2100" value="2001"' in page
    assert 'value="live" checked' in page
    assert f'href="/wanted?artist_id={artist["id"]}"' in page
    reader = await client_as(Role.READONLY)
    assert 'id="artist-actions"' not in (await reader.get(f"/artists/{artist['id']}")).text


async def test_settings_page_has_the_naming_template_and_organise(client: httpx.AsyncClient, client_as: Any) -> None:
    template = (await client.get("/api/v1/settings")).json()
    saved = next(s for s in template if s["key"] == "library.naming_template")["value"]
    page = (await client.get("/settings/library")).text
    assert 'id="naming-template"' in page
    assert f'value="{saved}"'.replace("'", "&#39;") in page or str(saved) in page
    assert 'id="organise-dry-run"' in page
    assert "Save template" in page
    manager = await client_as(Role.MANAGER)
    as_manager = (await manager.get("/settings/library")).text
    assert 'id="naming-template"' in as_manager
    assert "Save template" not in as_manager
