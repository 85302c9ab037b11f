"""IMVDb (https://imvdb.com/developers/api): music videos with credits, sources and videographies.

Authenticated with the `IMVDB-APP-KEY` header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderNotFound
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Images, Link, VideoInfo
from mvidarr.providers.parsing import blank_to_none, text_date, year_of, youtube_id
from mvidarr.providers.upstream import CallKind


class _Artist(Wire):
    name: str
    slug: str | None = None
    url: str | None = None


class _Crew(Wire):
    position_name: str | None = None
    position_code: str | None = None
    entity_name: str | None = None
    entity_id: int | None = None


class _Credits(Wire):
    crew: list[_Crew] = Field(default_factory=list)


class _Source(Wire):
    source: str | None = None
    source_data: str | int | None = None
    is_primary: bool | None = None


class _Video(Wire):
    id: int
    song_title: str | None = None
    url: str | None = None
    version_name: str | None = None
    year: int | None = None
    release_date_string: str | None = None
    release_date_stamp: int | None = None
    artists: list[_Artist] = Field(default_factory=list)
    featured_artists: list[_Artist] = Field(default_factory=list)
    image: dict[str, Any] | list[Any] | None = None
    credits: _Credits | None = None
    sources: list[_Source] = Field(default_factory=list)
    directors: list[_Crew] = Field(default_factory=list)


class _VideoSearch(Wire):
    total_results: int | None = None
    results: list[_Video] = Field(default_factory=list)


class _EntityVideos(Wire):
    total_videos: int | None = None
    videos: list[_Video] = Field(default_factory=list)


class _Entity(Wire):
    id: int
    name: str | None = None
    slug: str | None = None
    url: str | None = None
    byline: str | None = None
    bio: str | None = None
    discogs_id: int | str | None = None
    image: dict[str, Any] | list[Any] | str | None = None
    artist_video_count: int | None = None
    artist_videos: _EntityVideos | None = None


class _EntitySearch(Wire):
    results: list[_Entity] = Field(default_factory=list)


def _image(image: Any, *keys: str) -> str | None:
    if isinstance(image, str):
        return image or None
    if isinstance(image, dict):
        for key in keys:
            value = image.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _video(raw: _Video) -> VideoInfo:
    artists = [a.name for a in raw.artists]
    crew = raw.credits.crew if raw.credits else []
    directors = [
        c.entity_name for c in crew if c.entity_name and (c.position_code == "dir" or c.position_name == "Director")
    ]
    if not directors:
        directors = [d.entity_name for d in raw.directors if d.entity_name]
    producers = [
        c.entity_name
        for c in crew
        if c.entity_name and (c.position_name or "").lower() in ("producer", "video producer")
    ]
    sources = sorted(raw.sources, key=lambda s: not s.is_primary)
    youtube_ids = [
        yid for s in sources if (s.source or "").lower() == "youtube" and (yid := youtube_id(str(s.source_data)))
    ]
    links = [Link(kind="youtube", url=f"https://www.youtube.com/watch?v={yid}") for yid in youtube_ids]
    # IMVDb writes release dates as text ("April 7, 1997"); the stamp is the same day at midnight UTC.
    release = text_date(raw.release_date_string)
    if release is None and raw.release_date_stamp and 0 < raw.release_date_stamp < 32503680000:
        release = datetime.fromtimestamp(raw.release_date_stamp, tz=UTC).date()
    return VideoInfo(
        provider="imvdb",
        provider_id=str(raw.id),
        artist=" & ".join(artists) if artists else "",
        artists=artists,
        featured_artists=[a.name for a in raw.featured_artists],
        title=raw.song_title or "",
        version=blank_to_none(raw.version_name),
        year=raw.year or (release.year if release else year_of(raw.release_date_string)),
        release_date=release,
        directors=list(dict.fromkeys(directors)),
        producers=list(dict.fromkeys(producers)),
        youtube_ids=youtube_ids,
        source_urls=links,
        thumb=_image(raw.image, "l", "o", "b", "t"),
        ids=ExternalIds(imvdb=str(raw.id)),
        url=raw.url,
    )


def _artist(raw: _Entity) -> ArtistInfo:
    return ArtistInfo(
        provider="imvdb",
        provider_id=str(raw.id),
        # Some entities come with `name: null`; their slug ("daft-punk") still spells the name.
        name=raw.name or (raw.slug.replace("-", " ").title() if raw.slug else str(raw.id)),
        disambiguation=blank_to_none(raw.byline),
        biography=blank_to_none(raw.bio),
        images=Images(thumb=_image(raw.image, "l", "o", "b", "t")),
        ids=ExternalIds(imvdb=str(raw.id)),
        urls=[Link(kind="imvdb", url=raw.url)] if raw.url else [],
        video_count=raw.artist_video_count
        if raw.artist_video_count is not None
        else (raw.artist_videos.total_videos if raw.artist_videos else None),
    )


def _numeric_id(provider_id: str) -> str:
    if not provider_id.isdigit():
        raise ProviderNotFound("imvdb", f"{provider_id!r} is not an IMVDb id (digits only)")
    return provider_id


class ImvdbClient(ProviderClient):
    name = "imvdb"
    capabilities = frozenset(
        {
            Capability.SEARCH_ARTISTS,
            Capability.GET_ARTIST,
            Capability.ARTIST_VIDEOS,
            Capability.SEARCH_VIDEOS,
            Capability.GET_VIDEO,
        }
    )

    @property
    def _headers(self) -> dict[str, str]:
        return {"IMVDB-APP-KEY": self.config.credentials["api_key"]}

    async def check(self) -> str:
        await self.upstream.get(
            "/search/videos", _VideoSearch, params={"q": "test", "per_page": 1}, headers=self._headers, cache=False
        )
        return "API key accepted (video search)"

    async def search_videos(self, artist: str, title: str | None = None, *, limit: int = 10) -> list[VideoInfo]:
        query = f"{artist} {title}" if title else artist
        page = await self.upstream.get(
            "/search/videos",
            _VideoSearch,
            params={"q": query, "per_page": max(1, min(limit, 100))},
            headers=self._headers,
            kind=CallKind.SEARCH,
        )
        return [_video(v) for v in page.results[:limit]]

    async def get_video(self, provider_id: str) -> VideoInfo:
        raw = await self.upstream.get(
            f"/video/{_numeric_id(provider_id)}",
            _Video,
            params={"include": "credits,sources,featured"},
            headers=self._headers,
        )
        return _video(raw)

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        page = await self.upstream.get(
            "/search/entities",
            _EntitySearch,
            params={"q": query, "per_page": max(1, min(limit, 100))},
            headers=self._headers,
            kind=CallKind.SEARCH,
        )
        return [_artist(e) for e in page.results[:limit]]

    async def _entity(self, provider_id: str) -> _Entity:
        return await self.upstream.get(
            f"/entity/{_numeric_id(provider_id)}",
            _Entity,
            params={"include": "artist_videos"},
            headers=self._headers,
        )

    async def _entity_id(self, provider_id: str) -> str:
        """The numeric id of an entity given by id or by slug (MusicBrainz links IMVDb pages by slug).

        The API looks entities up by number only, so a slug is searched for and must match exactly.
        """
        if provider_id.isdigit():
            return provider_id
        slug = provider_id.strip().strip("/").rsplit("/", 1)[-1].lower()
        if not slug:
            raise ProviderNotFound("imvdb", f"{provider_id!r} is neither an IMVDb id nor a slug")
        page = await self.upstream.get(
            "/search/entities",
            _EntitySearch,
            params={"q": slug.replace("-", " "), "per_page": 25},
            headers=self._headers,
            kind=CallKind.SEARCH,
        )
        for entity in page.results:
            if (entity.slug or "").lower() == slug:
                return str(entity.id)
        raise ProviderNotFound("imvdb", f"no IMVDb entity has the slug {slug!r}")

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        return _artist(await self._entity(await self._entity_id(provider_id)))

    async def artist_videos(self, provider_id: str, *, limit: int = 200) -> list[VideoInfo]:
        entity = await self._entity(await self._entity_id(provider_id))
        videos = entity.artist_videos.videos if entity.artist_videos else []
        return [_video(v) for v in videos[:limit]]
