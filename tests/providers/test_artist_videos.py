"""Listing an artist's videos at MusicBrainz (recordings flagged as video) and YouTube (the channel's uploads)."""

from __future__ import annotations

from datetime import date

import pytest

from mvidarr.providers import musicbrainz, youtube
from mvidarr.providers.errors import ProviderNotFound
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import Capability
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import TEST_SEALER, point_providers_at
from tests.fakes.upstream import KEYS, FakeUpstream, mb_video_recording_id
from tests.monitors.conftest import Feed, feed  # noqa: F401

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]


async def test_musicbrainz_lists_only_video_recordings_with_their_youtube_links(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    mb = await provider_hub_on_fake.client("musicbrainz")
    assert mb.supports(Capability.ARTIST_VIDEOS)
    videos = await mb.artist_videos(DAFT_PUNK.mbid)
    # The fake lists an audio and a video recording per song; only the video ones are kept.
    assert [(v.title, v.provider_id) for v in videos] == [(v.title, mb_video_recording_id(v)) for v in DAFT_PUNK.videos]
    around = videos[0]
    assert around.youtube_ids == [DAFT_PUNK.videos[0].youtube_id]
    assert around.artist == "Daft Punk"
    assert around.release_date == date(1997, 4, 7)
    assert around.version is None  # "music video" is not a version
    assert around.musicbrainz_recording_id == around.provider_id
    assert videos[1].featured_artists == ["Pharrell Williams", "Nile Rodgers"]
    [sent] = fake_upstream.sent("musicbrainz")
    assert sent.path == "/ws/2/recording"
    assert sent.query == {
        "artist": DAFT_PUNK.mbid,
        "inc": "url-rels+artist-credits+releases",
        "limit": "100",
        "offset": "0",
        "fmt": "json",
    }
    with pytest.raises(ProviderNotFound):
        await mb.artist_videos("not-an-mbid")


async def test_musicbrainz_browses_every_page(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(musicbrainz, "BROWSE_PAGE", 2)
    mb = await provider_hub_on_fake.client("musicbrainz")
    videos = await mb.artist_videos(DAFT_PUNK.mbid)
    assert [v.title for v in videos] == [v.title for v in DAFT_PUNK.videos]
    # An audio and a video recording per song, two to a page: one page per song.
    assert [r.query["offset"] for r in fake_upstream.sent("musicbrainz")] == ["0", "2"]
    fake_upstream.requests.clear()
    assert [v.title for v in await mb.artist_videos(DAFT_PUNK.mbid, limit=1)] == [DAFT_PUNK.videos[0].title]
    assert fake_upstream.sent("musicbrainz") == []  # the first page is cached; no more pages are needed


async def test_youtube_with_a_key_lists_the_uploads_playlist(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(youtube, "PLAYLIST_PAGE", 1)
    client = await provider_hub_on_fake.client("youtube")
    assert client.supports(Capability.ARTIST_VIDEOS)
    videos = await client.artist_videos(DAFT_PUNK.channel_id)
    newest_first = sorted(DAFT_PUNK.videos, key=lambda v: v.release_date, reverse=True)
    assert [v.youtube_ids for v in videos] == [[v.youtube_id] for v in newest_first]
    assert videos[0].title == f"Daft Punk - {newest_first[0].title} (Official Video)"
    assert videos[0].artist == "Daft Punk"  # the owner channel's name without "VEVO"
    assert videos[0].release_date == date.fromisoformat(newest_first[0].release_date)
    sent = fake_upstream.sent("youtube")
    assert sent[0].path == "/channels"
    assert sent[0].query == {"part": "contentDetails", "id": DAFT_PUNK.channel_id, "key": KEYS["youtube"]}
    uploads = "UU" + DAFT_PUNK.channel_id[2:]
    assert [(r.path, r.query["playlistId"], r.query.get("pageToken")) for r in sent[1:]] == [
        ("/playlistItems", uploads, None),
        ("/playlistItems", uploads, "1"),
    ]
    assert await client.artist_videos(DAFT_PUNK.channel_id, limit=1) == videos[:1]
    # A channel URL or a handle work too; anything else is refused without a request.
    fake_upstream.requests.clear()
    by_handle = await client.artist_videos("https://www.youtube.com/@DaftPunk")
    assert by_handle == videos
    assert fake_upstream.sent("youtube")[0].query["forHandle"] == "@DaftPunk"
    with pytest.raises(ProviderNotFound):
        await client.artist_videos("@NoSuchChannelHere")
    with pytest.raises(ProviderNotFound):
        await client.artist_videos("not a channel")


async def test_youtube_keyless_lists_the_channel_with_ytdlp(
    provider_hub_on_fake: ProviderHub,
    fake_upstream: FakeUpstream,
    feed: Feed,  # noqa: F811
) -> None:
    await point_providers_at(provider_hub_on_fake.db, fake_upstream, TEST_SEALER, **{"providers.youtube.api_key": None})
    feed.items = [
        ("Daft Punk - Get Lucky (Official Video)", "5NV6Rdv1a3I", "Fri, 19 Apr 2013 08:00:00 +0000"),
        ("Daft Punk - Around the World (Official Music Video)", "LKYPYj2XX80", "Mon, 07 Apr 1997 08:00:00 +0000"),
        ("A post without a video", "", "Mon, 07 Apr 1997 08:00:00 +0000"),
    ]
    client = await provider_hub_on_fake.client("youtube")
    videos = await client.artist_videos(feed.url)
    assert [(v.title, v.youtube_ids) for v in videos] == [
        ("Daft Punk - Get Lucky (Official Video)", ["5NV6Rdv1a3I"]),
        ("Daft Punk - Around the World (Official Music Video)", ["LKYPYj2XX80"]),
    ]
    assert videos[0].release_date == date(2013, 4, 19)
    assert feed.hits == 1
    assert fake_upstream.sent("youtube") == []  # no Data API call without a key
    assert len(await client.artist_videos(feed.url, limit=1)) == 1
    with pytest.raises(ProviderNotFound):
        await client.artist_videos("not a channel")
