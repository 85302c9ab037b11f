"""Each client against the fake upstream: the requests it sends and what it makes of the answers."""

from __future__ import annotations

from datetime import date

import pytest

from mvidarr import __version__
from mvidarr.providers.errors import (
    ProviderCredentialsError,
    ProviderNotConfigured,
    ProviderNotFound,
    ProviderUnsupported,
)
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import Capability
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import TEST_SEALER, point_providers_at
from tests.fakes.upstream import KEYS, SPOTIFY_TOKEN, FakeUpstream

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]
BJORK = ARTISTS[1]


async def test_imvdb_video_detail_has_credits_sources_and_release(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    imvdb = await provider_hub_on_fake.client("imvdb")
    video = await imvdb.get_video("5002")
    assert (video.title, video.artist, video.year) == ("Get Lucky", "Daft Punk", 2013)
    assert video.release_date == date(2013, 4, 19)
    assert video.featured_artists == ["Pharrell Williams", "Nile Rodgers"]
    assert video.directors == ["Cédric Hervet"]
    assert video.youtube_ids == ["5NV6Rdv1a3I"]  # the vimeo source is not a YouTube id
    [sent] = fake_upstream.sent("imvdb")
    assert sent.path == "/video/5002"
    assert sent.query == {"include": "credits,sources,featured"}
    assert sent.headers["imvdb-app-key"] == KEYS["imvdb"]
    assert sent.headers["user-agent"].startswith(f"MVidarr/{__version__}")


async def test_imvdb_search_and_videography(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    imvdb = await provider_hub_on_fake.client("imvdb")
    found = await imvdb.search_videos("Daft Punk", "Around the World")
    assert [v.provider_id for v in found] == ["5001", "5002"]
    assert fake_upstream.sent("imvdb")[0].query["q"] == "Daft Punk Around the World"
    artists = await imvdb.search_artists("Björk")
    # IMVDb's search gives this entity with `name: null`: its slug spells the name.
    assert [(a.name, a.provider_id, a.video_count) for a in artists] == [("Bjork", "1002", 1)]
    videos = await imvdb.artist_videos("1001")
    assert [v.title for v in videos] == ["Around the World", "Get Lucky"]
    with pytest.raises(ProviderNotFound):
        await imvdb.get_video("999999")
    with pytest.raises(ProviderNotFound):
        await imvdb.get_video("../etc")  # not an id: refused before any request
    assert fake_upstream.sent("imvdb")[-1].path == "/video/999999"


async def test_musicbrainz_artist_lookup_with_relations(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    mb = await provider_hub_on_fake.client("musicbrainz")
    artist = await mb.get_artist(DAFT_PUNK.mbid)
    assert artist.name == "Daft Punk"
    assert artist.country == "FR"
    assert artist.begin_year == 1993
    assert artist.genres == ["electronic", "house", "french house"]
    assert artist.ids.wikidata == DAFT_PUNK.wikidata_id
    assert artist.ids.youtube_channel == DAFT_PUNK.channel_id
    assert artist.ids.spotify == DAFT_PUNK.spotify_id
    assert {link.kind for link in artist.urls} >= {"wikidata", "youtube", "official"}
    [sent] = fake_upstream.sent("musicbrainz")
    assert sent.path == f"/ws/2/artist/{DAFT_PUNK.mbid}"
    assert sent.query == {"inc": "aliases+genres+tags+url-rels", "fmt": "json"}
    assert sent.headers["user-agent"] == f"MVidarr/{__version__} ( tests@example.org )"
    with pytest.raises(ProviderNotFound):
        await mb.get_artist("not-a-uuid")


async def test_musicbrainz_recordings_and_url_lookup(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    mb = await provider_hub_on_fake.client("musicbrainz")
    [recording] = await mb.search_recordings("Daft Punk", "Get Lucky", duration_s=369)
    assert recording.artist == "Daft Punk"
    assert recording.featured_artists == ["Pharrell Williams", "Nile Rodgers"]
    assert recording.duration_s == 369
    assert recording.album == "Random Access Memories"
    assert recording.year == 2013
    query = fake_upstream.sent("musicbrainz")[0].query["query"]
    assert query.startswith('artist:"Daft Punk" AND recording:"Get Lucky" AND dur:[')
    [linked] = await mb.recording_for_url("https://www.youtube.com/watch?v=AjI2J2SQ528")
    assert linked.title == "All Is Full of Love"
    assert linked.artist_ids == [BJORK.mbid]
    assert await mb.recording_for_url("https://www.youtube.com/watch?v=zzzzzzzzzzz") == []


async def test_wikidata_then_wikipedia(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    wikidata = await provider_hub_on_fake.client("wikidata")
    item = await wikidata.get_artist(DAFT_PUNK.wikidata_id)
    assert item.ids.musicbrainz == DAFT_PUNK.mbid
    assert item.ids.wikipedia == "en:Daft Punk"
    assert item.begin_year == 1993
    assert item.images.thumb is not None
    assert fake_upstream.sent("wikidata")[0].query["ids"] == DAFT_PUNK.wikidata_id
    with pytest.raises(ProviderNotFound):
        await wikidata.get_artist("Q999999999")
    wikipedia = await provider_hub_on_fake.client("wikipedia")
    page = await wikipedia.get_artist(item.ids.wikipedia or "")
    assert page.biography == DAFT_PUNK.biography
    assert page.images.thumb == f"{fake_upstream.base}/images/{DAFT_PUNK.imvdb_id}.jpg"  # served by the fake
    assert fake_upstream.sent("wikipedia")[0].path == "/api/rest_v1/page/summary/Daft_Punk"


async def test_theaudiodb_artist_images_and_videos(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    audiodb = await provider_hub_on_fake.client("theaudiodb")
    artist = await audiodb.get_artist_by_musicbrainz(DAFT_PUNK.mbid)
    assert artist.provider_id == DAFT_PUNK.audiodb_id
    assert artist.biography == DAFT_PUNK.biography
    assert artist.images.fanart
    assert artist.images.logo
    assert artist.images.thumb
    videos = await audiodb.artist_videos(DAFT_PUNK.audiodb_id)
    assert [(v.title, v.youtube_ids) for v in videos] == [
        ("Around the World", ["LKYPYj2XX80"]),
        ("Get Lucky", ["5NV6Rdv1a3I"]),
    ]
    assert fake_upstream.sent("theaudiodb")[0].path == f"/{KEYS['theaudiodb']}/artist-mb.php"


async def test_lastfm_info_and_top_tags(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    lastfm = await provider_hub_on_fake.client("lastfm")
    artist = await lastfm.get_artist("Björk")
    assert artist.tags[:2] == ["art pop", "electronic"]
    assert artist.biography == BJORK.biography  # the "Read more" link is cut
    methods = [r.query["method"] for r in fake_upstream.sent("lastfm")]
    assert methods == ["artist.getinfo", "artist.gettoptags"]
    assert all(
        r.query["api_key"] == KEYS["lastfm"] and r.query["format"] == "json" for r in fake_upstream.sent("lastfm")
    )
    with pytest.raises(ProviderNotFound):  # Last.fm's error 6 arrives with status 200
        await lastfm.get_artist("Nobody At All")


async def test_spotify_client_credentials_flow(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    spotify = await provider_hub_on_fake.client("spotify")
    [artist] = await spotify.search_artists("Daft Punk")
    assert artist.genres == list(DAFT_PUNK.genres)
    assert artist.images.thumb == f"{fake_upstream.base}/images/{DAFT_PUNK.spotify_id}/640"  # the largest
    again = await spotify.get_artist(DAFT_PUNK.spotify_id)
    assert again.name == "Daft Punk"
    sent = fake_upstream.sent("spotify")
    assert [r.path for r in sent] == ["/api/token", "/v1/search", f"/v1/artists/{DAFT_PUNK.spotify_id}"]
    assert sent[0].method == "POST"
    assert sent[0].body == b"grant_type=client_credentials"
    assert sent[0].headers["authorization"].startswith("Basic ")
    assert sent[1].headers["authorization"] == f"Bearer {SPOTIFY_TOKEN}"


async def test_youtube_data_api(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    youtube = await provider_hub_on_fake.client("youtube")
    video = await youtube.get_video("LKYPYj2XX80")
    assert video.duration_s == 240
    assert video.view_count == 1_000_000
    assert video.artist == "Daft Punk"
    assert video.title == "Daft Punk - Around the World (Official Video)"
    found = await youtube.search_videos("Björk", "All Is Full of Love")
    assert [v.provider_id for v in found] == ["AjI2J2SQ528"]
    sent = fake_upstream.sent("youtube")
    assert sent[0].query == {"part": "snippet,contentDetails,statistics", "id": "LKYPYj2XX80", "key": KEYS["youtube"]}
    assert sent[1].query["type"] == "video"
    assert sent[1].query["q"] == "Björk All Is Full of Love"
    with pytest.raises(ProviderNotFound):
        await youtube.get_video("zzzzzzzzzzz")


async def test_wrong_credentials_are_a_clear_error_sent_once(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream, db: object
) -> None:
    await point_providers_at(
        provider_hub_on_fake.db,
        fake_upstream,
        TEST_SEALER,
        **{
            "providers.imvdb.api_key": "wrong",
            "providers.spotify.client_secret": "wrong",
            "providers.youtube.api_key": "wrong",
            "providers.lastfm.api_key": "wrong",
            "providers.theaudiodb.api_key": "wrong",
        },
    )
    provider_hub_on_fake.invalidate()
    for name in ("imvdb", "spotify", "youtube", "lastfm", "theaudiodb"):
        client = await provider_hub_on_fake.client(name)  # type: ignore[arg-type]
        with pytest.raises(ProviderCredentialsError) as caught:
            await client.search_artists("Daft Punk") if client.supports(
                Capability.SEARCH_ARTISTS
            ) else await client.search_videos("Daft Punk")
        assert caught.value.provider == name
        assert len(fake_upstream.sent(name)) == 1, f"{name} retried a credentials error"
    statuses = {s.name: s for s in await provider_hub_on_fake.statuses()}
    assert "credentials" in (statuses["imvdb"].last_error or "")
    assert statuses["imvdb"].breaker == "closed"


async def test_disabled_and_unconfigured_providers(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    await point_providers_at(
        provider_hub_on_fake.db,
        fake_upstream,
        TEST_SEALER,
        **{"providers.imvdb.api_key": None, "providers.wikipedia.enabled": False},
    )
    provider_hub_on_fake.invalidate()
    with pytest.raises(ProviderNotConfigured, match=r"providers\.imvdb\.api_key"):
        await provider_hub_on_fake.client("imvdb")
    with pytest.raises(ProviderNotConfigured, match="disabled"):
        await provider_hub_on_fake.client("wikipedia")
    names = [c.name for c in await provider_hub_on_fake.clients(Capability.SEARCH_ARTISTS)]
    assert "imvdb" not in names
    assert "wikipedia" not in names
    assert "musicbrainz" in names
    wikidata = await provider_hub_on_fake.client("wikidata")
    with pytest.raises(ProviderUnsupported):
        await wikidata.search_videos("x")
    assert fake_upstream.requests == []
