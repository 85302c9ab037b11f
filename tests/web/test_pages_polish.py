"""Small things a user notices: an HTML page for unknown page URLs, a file gone from disk is under
Wanted → Missing, sorts that ignore case and accents."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from mvidarr.db import Database, utcnow
from mvidarr.models import MediaFile, Role, Video
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_unknown_page_urls_get_an_html_page_and_api_urls_a_problem(client: httpx.AsyncClient) -> None:
    page = await client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert "There is no page at /no-such-page." in page.text
    api = await client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    plain = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/problem+json")
    icon = await client.get("/favicon.ico")  # asked by browsers and feed readers whatever the page says
    assert icon.status_code in (301, 302, 307, 308)
    assert (await client.get(icon.headers["location"])).headers["content-type"].startswith("image/svg+xml")


def _rows(html: str, table_id: str) -> list[int]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [int(x) for x in re.findall(r'<tr data-video-id="(\d+)"', body)]


async def test_a_file_gone_from_disk_is_under_wanted_missing(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Lost Files")
    gone = await make_video(client, artist["id"], "Gone Song", status="missing")
    file_id = await attach_file(db, gone["id"], "/srv/lib")
    async with db.writer() as session:
        await session.execute(update(MediaFile).where(MediaFile.id == file_id).values(missing_at=utcnow()))
        await session.commit()
    fine = await make_video(client, artist["id"], "Fine Song", status="downloaded")
    await attach_file(db, fine["id"], "/srv/lib")
    listed = _rows((await client.get("/wanted", params={"artist_id": artist["id"]})).text, "wanted-list")
    assert listed == [gone["id"]]


async def test_artist_and_title_sorts_ignore_case_and_accents(client: httpx.AsyncClient) -> None:
    names = ["Zola Jesus", "a-ha", "Ólafur Arnalds", "ABBA", "beck"]
    ids = {name: (await make_artist(client, name))["id"] for name in names}
    listed = (await client.get("/api/v1/artists", params={"sort": "name", "page_size": 100})).json()["items"]
    order = [a["name"] for a in listed if a["id"] in ids.values()]
    assert order == ["a-ha", "ABBA", "beck", "Ólafur Arnalds", "Zola Jesus"]
    for name in names:
        await make_video(client, ids[name], "Song")
    wanted = (await client.get("/wanted", params={"sort": "artist", "page_size": 100})).text
    by_artist = _rows(wanted, "wanted-list")
    videos = (await client.get("/api/v1/videos", params={"sort": "artist", "page_size": 100})).json()["items"]
    expected = [v["id"] for v in videos if v["artist"]["id"] in ids.values()]
    assert [v for v in by_artist if v in expected] == expected
    assert [v["artist"]["name"] for v in videos if v["id"] in expected] == order


async def test_artist_grid_shows_pictures_where_there_are_some(client: httpx.AsyncClient, db: Database) -> None:
    framed = await make_artist(client, "Framed Band")
    plain = await make_artist(client, "Plain Band")
    video = await make_video(client, framed["id"], "With A Frame")
    async with db.writer() as session:
        await session.execute(update(Video).where(Video.id == video["id"]).values(thumbnail_path="thumbs/v1"))
        await session.commit()
    grid = (await client.get("/artists", params={"view": "grid", "q": "band"})).text
    assert f'src="/api/v1/artists/{framed["id"]}/image?size=small"' in grid
    assert f"/api/v1/artists/{plain['id']}/image" not in grid  # a letter instead of a picture that 404s
    table = (await client.get("/artists", params={"q": "band"})).text
    assert 'id="artist-list"' in table  # the table view is kept


async def test_audit_log_page_is_for_admins(client: httpx.AsyncClient, client_as: Any) -> None:
    wrong = await make_artist(client, "Audit Wrong")
    right = await make_artist(client, "Audit Right")
    assert (
        await client.post(f"/api/v1/artists/{wrong['id']}/merge", json={"into_artist_id": right["id"]})
    ).status_code == 200
    page = await client.get("/audit", params={"action": "artist."})
    assert page.status_code == 200
    rows = page.text.split('id="audit-log"', 1)[1].split("</table>", 1)[0]
    assert "<code>artist.merged</code>" in rows
    assert "Audit Wrong" in rows
    assert '<a href="/audit" aria-current="page">Audit log</a>' in page.text
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/audit")).status_code == 403
    assert 'href="/audit"' not in (await manager.get("/")).text


async def test_duplicates_page_lists_groups_to_merge(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Twice Band")
    first = await make_video(client, artist["id"], "Same Song")
    second = await make_video(client, artist["id"], "Same Song (Official Video)")
    page = (await client.get("/duplicates")).text
    group = page.split('id="duplicate-groups"', 1)[1]
    assert (
        f'data-video-ids="{first["id"]},{second["id"]}"' in group
        or f'data-video-ids="{second["id"]},{first["id"]}"' in group
    )
    assert "Merge these 2 videos" in group
