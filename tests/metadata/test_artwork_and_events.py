"""Enrichment downloads artwork through the guarded fetcher, keeps what the user chose, announces
its changes as events, and gives videos their artist's genres when no provider has the video's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events.hub import Subscription
from mvidarr.genres.repository import set_for_video
from mvidarr.models import Artist, Video
from tests.factories import make_video
from tests.fakes.upstream import FakeUpstream
from tests.metadata.conftest import finished, set_settings
from tests.metadata.test_enrich_videos import quiet_artist

pytestmark = pytest.mark.anyio


async def _row(db: Database, model: type[Any], key: int) -> Any:
    async with db.reader() as session:
        return await session.get(model, key)


def _drain(subscription: Subscription) -> list[dict[str, Any]]:
    events = []
    while not subscription.queue.empty():
        payload = subscription.queue.get_nowait()
        assert payload is not None
        events.append(orjson.loads(payload))
    return events


async def _events(subscription: Subscription, kind: str, key: int) -> list[dict[str, Any]]:
    """Every event received until one `kind` event about `key` has come (events arrive after commits)."""
    seen: list[dict[str, Any]] = []
    for _ in range(100):
        seen += _drain(subscription)
        if any(e["type"] == kind and e["data"].get("id") == key for e in seen):
            await asyncio.sleep(0.1)  # and what follows it closely
            return seen + _drain(subscription)
        await asyncio.sleep(0.05)
    return seen


def _about(events: list[dict[str, Any]], kind: str, key: int) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind and e["data"].get("id") == key]


async def test_artist_image_and_fanart_are_downloaded_from_the_provider(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream, settings: Settings, app: Any
) -> None:
    await set_settings(client, network__allowed_private_hosts=["127.0.0.1"])
    artist = await quiet_artist(client, "Daft Punk")
    subscription = app.state.events.subscribe({"library"})
    try:
        await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
        events = await _events(subscription, "artist.updated", artist["id"])
    finally:
        subscription.close()
    row = await _row(db, Artist, artist["id"])
    assert row.artwork_source == "theaudiodb"  # first in the image order
    assert row.thumbnail_path.startswith(f"artwork/artists/{artist['id']}/")
    assert row.fanart_path.startswith(f"artwork/artists/{artist['id']}/fanart/")
    assert any((Path(settings.data_dir) / row.thumbnail_path).iterdir())
    assert any((Path(settings.data_dir) / row.fanart_path).iterdir())
    fetched = [r.path for r in fake_upstream.sent("images")]
    assert "/111492/thumb.jpg" in fetched
    assert "/111492/fanart.jpg" in fetched
    assert row.field_provenance["image"]["stored_url"].endswith("/images/111492/thumb.jpg")
    updated = _about(events, "artist.updated", artist["id"])
    assert updated
    assert "biography" in updated[0]["data"]["changed"]
    assert any({"image", "fanart"} <= set(e["data"]["changed"]) for e in updated)
    assert {"type": "library.changed", "data": {"artist": artist["id"], "reason": "enriched"}} in [
        {k: e[k] for k in ("type", "data")} for e in events
    ]
    image = await client.get(f"/api/v1/artists/{artist['id']}/image", params={"size": "small"})
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/")

    # A second enrichment does not download the same pictures again.
    fake_upstream.requests.clear()
    await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
    assert fake_upstream.sent("images") == []
    assert (await _row(db, Artist, artist["id"])).thumbnail_path == row.thumbnail_path


async def test_user_chosen_artwork_is_kept_and_private_addresses_need_the_setting(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    # Without `network.allowed_private_hosts` the fake (127.0.0.1) is refused: enrichment still succeeds.
    await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
    row = await _row(db, Artist, artist["id"])
    assert (row.thumbnail_path, row.fanart_path) == (None, None)
    assert row.biography  # the rest of the enrichment went through
    assert fake_upstream.sent("images") == []

    await set_settings(client, network__allowed_private_hosts=["127.0.0.1"])
    async with db.writer() as session:
        stored = await session.get(Artist, artist["id"])
        assert stored is not None
        stored.thumbnail_path, stored.artwork_source = "artwork/artists/mine", "upload"
        await session.commit()
    await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
    row = await _row(db, Artist, artist["id"])
    assert (row.thumbnail_path, row.artwork_source) == ("artwork/artists/mine", "upload")
    assert row.fanart_path is not None  # fanart is never user-chosen: it is filled
    assert [r.path for r in fake_upstream.sent("images")] == ["/111492/fanart.jpg"]


async def test_a_video_without_a_thumbnail_gets_the_providers_and_events_are_sent(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream, app: Any
) -> None:
    await set_settings(client, network__allowed_private_hosts=["127.0.0.1"])
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around The World")
    kept = await make_video(client, artist["id"], "Get Lucky")
    async with db.writer() as session:
        stored = await session.get(Video, kept["id"])
        assert stored is not None
        stored.thumbnail_path = "thumbnails/videos/frame"
        await session.commit()
    subscription = app.state.events.subscribe({"library"})
    try:
        await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
        await finished(db, await client.post(f"/api/v1/videos/{kept['id']}/enrich"))
        events = await _events(subscription, "video.updated", kept["id"])  # the last one enriched
    finally:
        subscription.close()
    row = await _row(db, Video, video["id"])
    assert row.artwork_source == "imvdb"
    assert row.thumbnail_path.startswith(f"artwork/videos/{video['id']}/")
    assert row.field_provenance["thumbnail"]["stored_url"].endswith("/images/5001_l.jpg")
    assert (await _row(db, Video, kept["id"])).thumbnail_path == "thumbnails/videos/frame"
    assert [r.path for r in fake_upstream.sent("images")] == ["/5001_l.jpg"]  # not the kept one's
    updated = _about(events, "video.updated", video["id"])
    assert updated
    assert "directors" in updated[0]["data"]["changed"]
    assert any("thumbnail" in e["data"]["changed"] for e in updated)
    assert any(e["type"] == "library.changed" and e["data"].get("video") == video["id"] for e in events)


async def test_video_genres_fall_back_to_the_artists(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
    artist_genres = (await client.get(f"/api/v1/artists/{artist['id']}")).json()["genres"]
    assert artist_genres
    video = await make_video(client, artist["id"], "Around The World")
    # No provider knows the video's genres: MusicBrainz (the genre source) is down, the others have none.
    fake_upstream.set("musicbrainz", mode="500")
    await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert sorted(body["genres"]) == sorted(artist_genres)
    assert body["field_provenance"]["genres"]["provider"] == "artist"

    # Genres of the video's own (from a provider earlier) are never replaced by the artist's.
    async with db.writer() as session:
        await set_for_video(session, video["id"], ["Disco"], source="musicbrainz")
        await session.commit()
    await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["genres"] == ["Disco"]
