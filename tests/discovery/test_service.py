"""Discovery against the database: one video per song and version, sources attached, filters with
reasons, idempotent re-runs, and removed videos never coming back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.discovery import service
from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.discovery.grouping import SourceItem
from mvidarr.models import Artist, BlocklistEntry, Video, VideoKind, VideoRemoval
from tests.factories import make_artist

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# What IMVDb, MusicBrainz, TheAudioDB and the artist's channel answer, each in its own spelling.
ITEMS = [
    SourceItem("imvdb", "5001", "Don't Stop Me Now", year=1979, youtube_id="HgzGwKwLmgM", url="https://imvdb.com/v/1"),
    SourceItem("musicbrainz", "mb-1", "Dont Stop Me Now", release_date=date(1979, 1, 26), duration_s=215),
    SourceItem("theaudiodb", "adb-1", "Don\u2019t Stop Me Now (Official Video)", youtube_id="HgzGwKwLmgM"),
    SourceItem("youtube", "yt-2", "Queen - Bohemian Rhapsody (Official Video Remastered)", youtube_id="fJ9rUzIMcZQ"),
    SourceItem("imvdb", "5002", "Bohemian Rhapsody", year=1975),
    SourceItem("imvdb", "5003", "Under Pressure (Explicit Version)", year=1981),
    SourceItem("youtube", "yt-4", "Under Pressure (Clean Version)", youtube_id="a01QQZyl-_I", year=1981),
    SourceItem("youtube", "yt-5", "Killer Queen (Lyric Video)", youtube_id="2ZBtPf7FOoM", year=2019),
    SourceItem("imvdb", "5004", "Radio Ga Ga (Fan Edit)", year=1984),
    SourceItem("imvdb", "5005", "Innuendo", year=1991, duration_s=30),
]


async def _run(db: Database, artist_id: int, items: list[SourceItem], filters: DiscoveryFilters) -> Any:
    async with db.writer() as session:
        artist = await session.get(Artist, artist_id)
        assert artist is not None
        planned = await service.plan(session, artist, items, filters)
        counts = await service.apply(session, artist, planned, NOW)
        await session.commit()
    return planned, counts


async def _videos(db: Database, artist_id: int) -> list[Video]:
    async with db.reader() as session:
        stmt = select(Video).where(Video.artist_id == artist_id).order_by(Video.id)
        return list((await session.execute(stmt)).scalars())


FILTERS = DiscoveryFilters(exclude_words=["fan edit"], min_duration_s=60)


async def test_several_sources_become_one_video_per_song_and_version(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    planned, counts = await _run(db, artist["id"], ITEMS, FILTERS)
    videos = await _videos(db, artist["id"])
    by_title = {(v.title, v.version): v for v in videos}
    assert sorted(by_title) == [
        ("Bohemian Rhapsody", ""),
        ("Don't Stop Me Now", ""),
        ("Innuendo", ""),
        ("Killer Queen", ""),
        ("Radio Ga Ga (Fan Edit)", ""),
        ("Under Pressure", "Clean Version"),
        ("Under Pressure", "Explicit Version"),
    ]
    assert len(videos) == len(planned)
    rhapsody = by_title[("Bohemian Rhapsody", "")]
    assert (rhapsody.youtube_id, rhapsody.imvdb_id) == ("fJ9rUzIMcZQ", 5002)
    dont_stop = next(v for v in videos if v.song_key == "dont stop me now")
    assert dont_stop.status == "wanted"
    assert dont_stop.youtube_id == "HgzGwKwLmgM"
    assert dont_stop.imvdb_id == 5001
    assert dont_stop.release_date == date(1979, 1, 26)
    assert dont_stop.field_provenance == {"discovery": ["imvdb", "musicbrainz", "theaudiodb"]}
    assert {s["kind"] for s in dont_stop.sources} == {"imvdb", "youtube"}
    # The two cuts of "Under Pressure" are two videos sharing one song key.
    pressure = [v for v in videos if v.song_key == "under pressure"]
    assert len(pressure) == 2
    assert {v.version for v in pressure} == {"Explicit Version", "Clean Version"}
    # Filtered videos are stored as ignored, with the reason.
    reasons = {v.title: v.skip_reason for v in videos if v.status == "ignored"}
    assert reasons == {
        "Killer Queen": "kind lyric is not accepted",
        "Radio Ga Ga (Fan Edit)": "title contains excluded word 'fan edit'",
        "Innuendo": "30 s long, shorter than 60 s",
    }
    assert counts["added"] + counts["ignored"] == len(videos)
    assert counts["ignored"] == 3


async def test_a_second_run_adds_nothing_and_attaches_new_sources(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    await _run(db, artist["id"], ITEMS, FILTERS)
    before = [(v.id, v.status) for v in await _videos(db, artist["id"])]
    extra = SourceItem("youtube", "yt-9", "Queen - Innuendo (Official Video)", youtube_id="g2N0TkfrQhY")
    _planned, counts = await _run(db, artist["id"], [*ITEMS, extra], FILTERS)
    after = await _videos(db, artist["id"])
    assert [(v.id, v.status) for v in after] == before
    assert counts["added"] == 0
    assert counts["ignored"] == 0
    innuendo = next(v for v in after if v.title == "Innuendo")
    assert innuendo.youtube_id == "g2N0TkfrQhY"
    assert counts["updated"] == 1
    async with db.reader() as session:
        stored = await session.get(Artist, artist["id"])
        assert stored is not None
        assert stored.last_discovered_at == NOW


async def test_a_deleted_video_is_not_added_again(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    await _run(db, artist["id"], ITEMS, FILTERS)
    target = next(v for v in await _videos(db, artist["id"]) if v.title == "Don't Stop Me Now")
    response = await client.delete(f"/api/v1/videos/{target.id}")
    assert response.status_code == 204
    async with db.reader() as session:
        removal = (await session.execute(select(VideoRemoval))).scalar_one()
    assert (removal.song_key, removal.youtube_id, removal.reason) == ("dont stop me now", "HgzGwKwLmgM", "deleted")
    # Spelled differently and found through another source, it is still the removed video.
    again = [SourceItem("youtube", "x", "Queen - Don't Stop Me Now [HD]", youtube_id="AAAAAAAAAAA")]
    planned, counts = await _run(db, artist["id"], again, FILTERS)
    assert [p.action for p in planned] == ["removed"]
    assert counts["added"] == 0
    assert all(v.title != "Don't Stop Me Now" for v in await _videos(db, artist["id"]))


async def test_monitor_new_ignores_videos_released_before_the_artist_was_added(
    client: httpx.AsyncClient, db: Database
) -> None:
    artist = await make_artist(client, "Queen", monitor_new=True)
    added = datetime.fromisoformat(artist["created_at"]).date()
    items = [
        SourceItem("imvdb", "1", "Old Song", release_date=date(1980, 1, 1)),
        SourceItem("imvdb", "2", "New Song", release_date=added),
    ]
    planned, _counts = await _run(db, artist["id"], items, DiscoveryFilters())
    assert {p.video.title: (p.action, p.reason) for p in planned} == {
        "Old Song": ("ignore", service.MONITOR_NEW_REASON),
        "New Song": ("add", None),
    }


async def test_artist_filters_fall_back_to_the_default_per_field(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen", allowed_kinds=["lyric"], min_year=1990)
    default = DiscoveryFilters(exclude_words=["teaser"], min_duration_s=90)
    async with db.reader() as session:
        stored = await session.get(Artist, artist["id"])
        assert stored is not None
        filters = service.artist_filters(stored, default)
    assert filters == DiscoveryFilters(
        kinds=[VideoKind.LYRIC], exclude_words=["teaser"], min_year=1990, min_duration_s=90
    )


async def test_a_blocklisted_source_is_not_added(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    async with db.writer() as session:
        session.add(
            BlocklistEntry(
                source_key="youtube:2ZBtPf7FOoM",
                source_url="https://www.youtube.com/watch?v=2ZBtPf7FOoM",
                reason="fake upload",
            )
        )
        await session.commit()
    items = [
        SourceItem("youtube", "a", "Queen - Killer Queen (Official Video)", youtube_id="2ZBtPf7FOoM"),
        SourceItem("youtube", "b", "Queen - Innuendo (Official Video)", youtube_id="g2N0TkfrQhY"),
    ]
    planned, counts = await _run(db, artist["id"], items, DiscoveryFilters())
    assert {p.video.title: (p.action, p.reason) for p in planned} == {
        "Killer Queen": ("removed", "its source is blocklisted"),
        "Innuendo": ("add", None),
    }
    assert counts["added"] == 1
    assert [v.title for v in await _videos(db, artist["id"])] == ["Innuendo"]
