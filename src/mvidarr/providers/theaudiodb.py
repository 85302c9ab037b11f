"""TheAudioDB (https://www.theaudiodb.com/free_music_api): biographies, artwork, music-video lists.

The key is part of the path: `/api/v1/json/{key}/search.php?s=...`.
"""

# Wire models keep the field names the provider documents (camelCase).
# ruff: noqa: N815

from __future__ import annotations

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderNotFound
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Images, Link, VideoInfo
from mvidarr.providers.parsing import MBID, blank_to_none, year_of, youtube_id
from mvidarr.providers.upstream import CallKind


class _Artist(Wire):
    idArtist: str
    strArtist: str
    strArtistAlternate: str | None = None
    strGenre: str | None = None
    strStyle: str | None = None
    strMood: str | None = None
    intFormedYear: str | int | None = None
    intBornYear: str | int | None = None
    intDiedYear: str | int | None = None
    strDisbanded: str | None = None
    strCountryCode: str | None = None
    strBiographyEN: str | None = None
    strArtistThumb: str | None = None
    strArtistFanart: str | None = None
    strArtistLogo: str | None = None
    strArtistBanner: str | None = None
    strMusicBrainzID: str | None = None
    strWebsite: str | None = None


class _Artists(Wire):
    artists: list[_Artist] | None = None


class _MusicVideo(Wire):
    idTrack: str
    idArtist: str | None = None
    strTrack: str
    strMusicVid: str | None = None
    strTrackThumb: str | None = None
    strDescriptionEN: str | None = None


class _MusicVideos(Wire):
    mvids: list[_MusicVideo] | None = Field(default=None)


def _year(value: str | int | None) -> int | None:
    return year_of(value if isinstance(value, int) else (value or None))


def _artist(raw: _Artist) -> ArtistInfo:
    genres = [g for g in (blank_to_none(raw.strGenre), blank_to_none(raw.strStyle)) if g]
    website = blank_to_none(raw.strWebsite)
    if website and not website.startswith(("http://", "https://")):
        website = f"https://{website}"
    return ArtistInfo(
        provider="theaudiodb",
        provider_id=raw.idArtist,
        name=raw.strArtist,
        disambiguation=blank_to_none(raw.strArtistAlternate),
        country=blank_to_none(raw.strCountryCode),
        begin_year=_year(raw.intFormedYear) or _year(raw.intBornYear),
        end_year=_year(raw.intDiedYear) or _year(raw.strDisbanded),
        genres=list(dict.fromkeys(genres)),
        tags=[m for m in (blank_to_none(raw.strMood),) if m],
        biography=blank_to_none(raw.strBiographyEN),
        images=Images(
            thumb=blank_to_none(raw.strArtistThumb),
            fanart=blank_to_none(raw.strArtistFanart),
            logo=blank_to_none(raw.strArtistLogo),
            banner=blank_to_none(raw.strArtistBanner),
        ),
        ids=ExternalIds(audiodb=raw.idArtist, musicbrainz=blank_to_none(raw.strMusicBrainzID)),
        urls=[Link(kind="official", url=website)] if website else [],
    )


class TheAudioDbClient(ProviderClient):
    name = "theaudiodb"
    capabilities = frozenset(
        {Capability.SEARCH_ARTISTS, Capability.GET_ARTIST, Capability.ARTIST_BY_MUSICBRAINZ, Capability.ARTIST_VIDEOS}
    )

    def _path(self, endpoint: str) -> str:
        return f"/{self.config.credentials['api_key']}/{endpoint}"

    async def check(self) -> str:
        await self.upstream.get(self._path("search.php"), _Artists, params={"s": "coldplay"}, cache=False)
        return "API key accepted (artist search)"

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        result = await self.upstream.get(self._path("search.php"), _Artists, params={"s": query}, kind=CallKind.SEARCH)
        return [_artist(a) for a in (result.artists or [])[:limit]]

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        if not provider_id.isdigit():
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a TheAudioDB id (digits only)")
        result = await self.upstream.get(self._path("artist.php"), _Artists, params={"i": provider_id})
        if not result.artists:
            raise ProviderNotFound(self.name, f"no artist {provider_id}")
        return _artist(result.artists[0])

    async def get_artist_by_musicbrainz(self, mbid: str) -> ArtistInfo:
        if not MBID.match(mbid.lower()):
            raise ProviderNotFound(self.name, f"{mbid!r} is not a MusicBrainz id")
        result = await self.upstream.get(self._path("artist-mb.php"), _Artists, params={"i": mbid.lower()})
        if not result.artists:
            raise ProviderNotFound(self.name, f"no artist with MusicBrainz id {mbid}")
        return _artist(result.artists[0])

    async def artist_videos(self, provider_id: str, *, limit: int = 200) -> list[VideoInfo]:
        if not provider_id.isdigit():
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a TheAudioDB id (digits only)")
        artist = await self.get_artist(provider_id)
        result = await self.upstream.get(self._path("mvid.php"), _MusicVideos, params={"i": provider_id})
        videos = []
        for raw in (result.mvids or [])[:limit]:
            yid = youtube_id(raw.strMusicVid)
            videos.append(
                VideoInfo(
                    provider="theaudiodb",
                    provider_id=raw.idTrack,
                    artist=artist.name,
                    artists=[artist.name],
                    artist_provider_id=provider_id,
                    title=raw.strTrack,
                    youtube_ids=[yid] if yid else [],
                    source_urls=[Link(kind="youtube", url=raw.strMusicVid)] if raw.strMusicVid else [],
                    description=blank_to_none(raw.strDescriptionEN),
                    thumb=blank_to_none(raw.strTrackThumb),
                    ids=ExternalIds(audiodb=raw.idTrack),
                )
            )
        return videos
