"""Discovery from all four sources (IMVDb, MusicBrainz video recordings, TheAudioDB, the YouTube
channel's uploads) ends with one video per song, every source attached, and tells the browser."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest

from mvidarr.db import Database
from tests.discovery.conftest import finished
from tests.factories import make_artist
from tests.fakes.catalog import ARTISTS
from tests.fakes.upstream import FakeUpstream, mb_video_recording_id

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]


async def test_every_source_lists_the_videos_and_one_video_per_song_comes_out(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await make_artist(
        client,
        "Daft Punk",
        imvdb_id=DAFT_PUNK.imvdb_id,
        audiodb_id=DAFT_PUNK.audiodb_id,
        musicbrainz_id=DAFT_PUNK.mbid,
        youtube_channel_id=DAFT_PUNK.channel_id,
    )
    subscription = app.state.events.subscribe({"library"})
    try:
        job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
        events: list[dict[str, Any]] = []
        for _ in range(100):
            while not subscription.queue.empty():
                payload = subscription.queue.get_nowait()
                assert payload is not None
                events.append(orjson.loads(payload))
            if any(e["type"] == "library.changed" and e["data"]["reason"] == "discovered" for e in events):
                break
            await asyncio.sleep(0.05)
    finally:
        subscription.close()
    assert job.result is not None
    assert job.result["sources"] == ["imvdb", "musicbrainz", "theaudiodb", "youtube"]
    assert job.result["errors"] == {}
    assert job.result["added"] == len(DAFT_PUNK.videos)
    listed = (await client.get(f"/api/v1/artists/{artist['id']}/videos", params={"sort": "title"})).json()["items"]
    assert [v["title"] for v in listed] == ["Around the World", "Get Lucky"]
    around = (await client.get(f"/api/v1/videos/{listed[0]['id']}")).json()
    assert around["youtube_id"] == DAFT_PUNK.videos[0].youtube_id
    urls = {s["url"] for s in around["sources"]}
    assert f"https://musicbrainz.org/recording/{mb_video_recording_id(DAFT_PUNK.videos[0])}" in urls
    assert {s["kind"] for s in around["sources"]} >= {"imvdb", "musicbrainz", "youtube"}
    browsed = [r for r in fake_upstream.sent("musicbrainz") if r.path == "/ws/2/recording"]
    assert [r.query["artist"] for r in browsed] == [DAFT_PUNK.mbid]
    listed_uploads = [r.path for r in fake_upstream.sent("youtube") if r.path in ("/channels", "/playlistItems")]
    assert listed_uploads == ["/channels", "/playlistItems"]
    changed = [e for e in events if e["type"] == "library.changed" and e["data"]["reason"] == "discovered"]
    assert changed[0]["data"] == {
        "artist": artist["id"],
        "reason": "discovered",
        "added": 2,
        "ignored": 0,
        "updated": 0,
    }
    assert any(e["type"] == "artist.updated" and e["data"]["changed"] == ["videos"] for e in events)

    # A second run finds the same videos and announces nothing.
    again = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert again.result is not None
    assert (again.result["added"], again.result["existing"]) == (0, 2)
