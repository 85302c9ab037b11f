"""The videos page over ASGI: the genre filter, row checkboxes and bulk actions for managers only, and the
filters handed to the module as the bulk APIs take them, so "all matching" is the list the page shows."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import Role, Video
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


def _filter(page: str) -> dict[str, Any]:
    match = re.search(r"data-filter='([^']*)'", page)
    assert match, "the bulk form carries the filters"
    return dict(json.loads(html.unescape(match.group(1))))


async def test_the_bulk_form_carries_the_shown_filters(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Massive Attack")
    teardrop = await make_video(client, artist["id"], "Teardrop", year=1998, genres=["Trip Hop"])
    await make_video(client, artist["id"], "Angel", year=1998)
    await make_video(client, artist["id"], "Unfinished Sympathy", year=1991, genres=["Trip Hop"])
    await attach_file(db, teardrop["id"], "/media/lib", quality_label="1080p")
    params = {
        "q": " massive ",
        "status": ["wanted", "bogus"],
        "genre": "trip hop",
        "year_min": "2000",
        "year_max": "1995",  # swapped, as the list swaps them
        "has_file": "true",
        "quality_label": "1080p",
        "page_size": "1",
    }
    page = (await client.get("/videos", params=params)).text
    assert page.count('<a href="/videos/') == 1
    assert f'<input type="checkbox" name="selected" value="{teardrop["id"]}"' in page
    assert 'aria-label="Select Teardrop by Massive Attack"' in page
    assert 'id="video-genre" name="genre" value="trip hop"' in page
    assert 'data-total="1"' in page
    assert _filter(page) == {
        "q": "massive",
        "status": ["wanted"],
        "genre": "trip hop",
        "year_min": 1995,
        "year_max": 2000,
        "has_file": True,
        "quality_label": ["1080p"],
    }
    # What the module sends for "all matching": the API finds the same videos the page counted.
    edited = await client.patch("/api/v1/videos", json={"filter": _filter(page), "set": {"monitored": False}})
    assert edited.json()["matched"] == 1

    everything = (await client.get("/videos", params={"has_file": "false"})).text
    assert _filter(everything) == {"has_file": False}
    assert 'data-total="2"' in everything


async def test_only_managers_get_the_selection(client: httpx.AsyncClient, client_as: Any) -> None:
    await make_video(client, (await make_artist(client, "Air"))["id"], "La Femme d'Argent")
    page = (await (await client_as(Role.READONLY)).get("/videos")).text
    assert 'id="video-bulk"' not in page
    assert 'name="selected"' not in page
    assert '<th scope="col"><span class="visually-hidden">Select</span></th>' not in page
    # Users select videos for their playlists only; the library actions stay with managers.
    page = (await (await client_as(Role.USER)).get("/videos")).text
    assert 'name="selected"' in page
    assert re.findall(r'<option value="([a-z]+)">', page.split('id="bulk-action"')[1].split("</select>")[0]) == [
        "playlist"
    ]
    manager = (await (await client_as(Role.MANAGER)).get("/videos")).text
    assert 'id="video-bulk"' in manager
    assert 'id="bulk-edit"' in manager
    assert '<option value="delete">Delete (files to the trash)</option>' in manager
    empty = (await client.get("/videos", params={"q": "nothing like this"})).text
    assert 'id="video-bulk"' not in empty
    assert '<td colspan="9" class="empty">No videos match.</td>' in empty


async def test_the_artist_page_table_has_no_selection(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Moby")
    await make_video(client, artist["id"], "Porcelain")
    page = (await client.get(f"/artists/{artist['id']}")).text
    assert "Porcelain" in page
    assert 'name="selected"' not in page
    assert 'id="video-list"' not in page


async def test_the_grid_view_shows_cards_with_posters_for_videos_with_files(
    client: httpx.AsyncClient, client_as: Any, db: Database
) -> None:
    artist = await make_artist(client, "Portishead")
    glory = await make_video(client, artist["id"], "Glory Box", year=1995)
    roads = await make_video(client, artist["id"], "Roads", year=1994)
    await attach_file(db, glory["id"], "/media/lib", quality_label="720p")
    async with db.writer() as session:
        row = await session.get(Video, glory["id"])
        assert row is not None
        row.thumbnail_path = "thumbnails/glory"
        await session.commit()
    page = (await client.get("/videos", params={"view": "grid", "sort": "title"})).text
    cards = re.findall(r'<li class="video-card" data-video-id="(\d+)"', page)
    assert cards == [str(glory["id"]), str(roads["id"])]
    assert f'src="/api/v1/videos/{glory["id"]}/thumbnail?size=small"' in page
    assert f"/api/v1/videos/{roads['id']}/thumbnail" not in page  # no picture yet: a placeholder
    assert "720p" in page
    assert 'name="selected"' in page  # the bulk selection works in the grid too
    assert '<select id="video-sort" name="sort">' in page
    assert (
        'href="/videos?view=grid&amp;sort=title" aria-current="page">Grid</a>' in page
        or 'aria-current="page">Grid' in page
    )
    table = (await client.get("/videos")).text
    assert 'class="video-card"' not in table
    assert 'aria-current="page">Table' in table
    reader = await client_as(Role.READONLY)
    as_reader = (await reader.get("/videos", params={"view": "grid"})).text
    assert 'class="video-card"' in as_reader
    assert 'name="selected"' not in as_reader
