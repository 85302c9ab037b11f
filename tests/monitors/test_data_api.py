"""Monitors of YouTube channels and playlists use the Data API (playlistItems) when a key is set."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.monitors.tasks import _list_with_data_api
from tests.factories import make_artist
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import fake_upstream as fake_upstream
from tests.fakes.fixtures import fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.fakes.upstream import KEYS, FakeUpstream
from tests.monitors.test_monitors import _check, _videos

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]
UPLOADS = "UU" + DAFT_PUNK.channel_id[2:]


async def test_a_channel_monitor_lists_the_uploads_through_the_data_api(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: Any,  # noqa: F811
    runner: Any,
    fake_upstream: FakeUpstream,
) -> None:
    artist = await make_artist(client, "Daft Punk")
    url = f"https://www.youtube.com/channel/{DAFT_PUNK.channel_id}"
    monitor = (await client.post("/api/v1/monitors", json={"url": url, "artist_id": artist["id"]})).json()
    first = await _check(client, db, monitor["id"])
    assert (first["listed"], first["added"]) == (2, 2)
    assert set(await _videos(client, artist["id"])) == {"Around the World", "Get Lucky"}
    sent = fake_upstream.sent("youtube")
    assert [(r.path, r.query.get("id") or r.query.get("playlistId")) for r in sent] == [
        ("/channels", DAFT_PUNK.channel_id),
        ("/playlistItems", UPLOADS),
    ]
    assert sent[1].query["key"] == KEYS["youtube"]
    items = (await client.get(f"/api/v1/monitors/{monitor['id']}/items")).json()["items"]
    assert {i["item_id"] for i in items} == {v.youtube_id for v in DAFT_PUNK.videos}

    # Every check asks YouTube again (no cached listing), and what was seen is not added twice.
    second = await _check(client, db, monitor["id"])
    assert second == {"listed": 2, "video_ids": [], "downloads": []}
    assert [r.path for r in fake_upstream.sent("youtube")].count("/playlistItems") == 2


async def test_a_playlist_monitor_and_a_failing_api(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: Any,  # noqa: F811
    runner: Any,
    fake_upstream: FakeUpstream,
) -> None:
    artist = await make_artist(client, "Daft Punk")
    url = f"https://www.youtube.com/playlist?list={UPLOADS}"
    monitor = (await client.post("/api/v1/monitors", json={"url": url, "artist_id": artist["id"]})).json()
    assert (await _check(client, db, monitor["id"]))["added"] == 2
    assert [r.path for r in fake_upstream.sent("youtube")] == ["/playlistItems"]

    gone = "https://www.youtube.com/playlist?list=PLnotaplaylist00"
    broken = (await client.post("/api/v1/monitors", json={"url": gone, "artist_id": artist["id"]})).json()
    response = await client.post(f"/api/v1/monitors/{broken['id']}/check")
    assert response.status_code == 202
    stored: dict[str, Any] = {}
    for _ in range(200):
        stored = (await client.get(f"/api/v1/monitors/{broken['id']}")).json()
        if stored["last_error"]:
            break
        await asyncio.sleep(0.05)
    assert stored["last_error"].startswith("YouTube Data API: ")

    # A URL that is not a YouTube channel or playlist is left to yt-dlp, without an API call.
    fake_upstream.requests.clear()
    assert await _list_with_data_api(provider_hub_on_fake, "http://127.0.0.1:9/feed.xml") is None
    assert await _list_with_data_api(provider_hub_on_fake, "https://www.youtube.com/watch?v=LKYPYj2XX80") is None
    assert fake_upstream.sent("youtube") == []
