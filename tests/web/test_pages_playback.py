"""The playlists, playlist and MvTV pages over ASGI: what each role sees, and the nav."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_playlists_pages(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Massive Attack")
    ids = [(await make_video(client, artist["id"], title, year=1998, genres=["trip hop"]))["id"]
           for title in ("Teardrop", "Angel", "Unfinished Sympathy")]  # fmt: skip
    alice = await client_as(Role.USER)
    mix = (await alice.post("/api/v1/playlists", json={"name": "Bristol", "public": True})).json()
    await alice.post(f"/api/v1/playlists/{mix['id']}/items", json={"video_ids": ids[::-1]})
    await alice.patch(f"/api/v1/playlists/{mix['id']}/items/1", json={"note": "the <b>best</b> one"})
    secret = (await alice.post("/api/v1/playlists", json={"name": "Hidden"})).json()

    listing = await alice.get("/playlists")
    assert listing.status_code == 200
    assert re.search(r'src="/static/[^"]+/js/pages/playlists\.js"', listing.text)
    assert '<a href="/playlists" aria-current="page">Playlists</a>' in listing.text
    assert f'<a href="/playlists/{mix["id"]}">Bristol</a>' in listing.text
    assert 'id="playlist-create"' in listing.text
    assert 'id="new-rule-genre"' in listing.text
    assert '<option value="trip hop">' in listing.text

    detail = (await alice.get(f"/playlists/{mix['id']}")).text
    titles = re.findall(r'class="entry-title" href="/videos/\d+">([^<]+)</a>', detail)
    assert titles == ["Unfinished Sympathy", "Angel", "Teardrop"]
    assert 'class="handle button small"' in detail
    assert 'data-editable="true"' in detail
    assert "the &lt;b&gt;best&lt;/b&gt; one" in detail
    assert f'href="/api/v1/playlists/{mix["id"]}/export?format=m3u8"' in detail

    # Another user: the public playlist read-only, the private one not at all; readonly may not create.
    reader = await client_as(Role.READONLY)
    other = (await reader.get(f"/playlists/{mix['id']}")).text
    assert 'class="handle' not in other
    assert 'data-editable="false"' in other
    assert 'class="entry-note-text">the &lt;b&gt;best&lt;/b&gt; one</p>' in other
    assert (await reader.get(f"/playlists/{secret['id']}")).status_code == 404
    assert 'id="playlist-create"' not in (await reader.get("/playlists")).text

    mvtv = await reader.get("/mvtv")
    assert mvtv.status_code == 200
    assert re.search(r'src="/static/[^"]+/js/pages/mvtv\.js"', mvtv.text)
    assert f'<option value="{mix["id"]}">Bristol</option>' in mvtv.text
    assert f'<option value="{secret["id"]}">' not in mvtv.text


async def test_pages_need_a_session(anon_client: httpx.AsyncClient, admin_user: Any) -> None:
    for path in ("/playlists", "/playlists/1", "/mvtv"):
        response = await anon_client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


async def test_videos_page_offers_add_to_playlist_to_users(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Air")
    await make_video(client, artist["id"], "Sexy Boy")
    user = await client_as(Role.USER)
    page = (await user.get("/videos")).text
    assert '<option value="playlist">Add to playlist…</option>' in page
    assert '<option value="delete">' not in page
    assert 'name="selected"' in page
    reader = await client_as(Role.READONLY)
    assert 'id="video-bulk"' not in (await reader.get("/videos")).text
    manager = (await client.get("/videos")).text
    assert '<option value="delete">' in manager
    assert '<option value="playlist">' in manager
    dashboard = (await user.get("/")).text
    assert 'id="continue-watching"' in dashboard
    assert "/mvtv?artist_id=" not in (await user.get(f"/artists/{artist['id']}")).text  # nothing to play yet
    await make_video(client, artist["id"], "Kelly Watch the Stars", status="downloaded")
    assert (
        f'href="/mvtv?artist_id={artist["id"]}">Play on MvTV</a>' in (await user.get(f"/artists/{artist['id']}")).text
    )


async def test_history_page_shows_my_plays_and_admins_the_totals(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Portishead")
    roads = await make_video(client, artist["id"], "Roads", year=1994)
    glory = await make_video(client, artist["id"], "Glory Box", year=1995)
    alice, bob, reader = await client_as(Role.USER), await client_as(Role.USER), await client_as(Role.READONLY)
    play = (await alice.post("/api/v1/history/plays", json={"video_id": roads["id"]})).json()
    await alice.patch(f"/api/v1/history/plays/{play['id']}", json={"position_s": 65.0, "duration_s": 300.0})
    await alice.put(f"/api/v1/favourites/{glory['id']}")
    await bob.post("/api/v1/history/plays", json={"video_id": glory["id"]})

    mine = await alice.get("/history")
    assert mine.status_code == 200
    assert '<a href="/history" aria-current="page">History</a>' in mine.text
    plays = re.search(r'<table class="data" id="history-list">.*?</table>', mine.text, re.S)
    assert plays is not None
    assert f'<tr data-play-id="{play["id"]}">' in plays.group(0)
    assert "Glory Box" not in plays.group(0), "only my own plays"
    assert re.search(rf'<li data-video-id="{roads["id"]}">.*?at 1:05 of 5:00</li>', mine.text), "continue watching"
    assert re.search(rf'id="favourite-list">\s*<li data-video-id="{glory["id"]}">', mine.text), "my favourites"
    assert 'id="history-totals"' not in mine.text, "totals are for admins"

    totals = (await client.get("/history")).text
    assert re.search(r"<dt>Plays</dt><dd>2</dd>", totals)
    assert re.search(r"<dt>Viewers</dt><dd>2</dd>", totals)
    assert 'id="top-videos"' in totals

    readonly = (await reader.get("/history")).text
    assert 'id="history-readonly"' in readonly
    assert 'id="history-list"' not in readonly
