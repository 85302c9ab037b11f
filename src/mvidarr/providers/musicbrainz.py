"""MusicBrainz web service v2 (https://musicbrainz.org/doc/MusicBrainz_API), JSON format.

No key; at most one request per second and a `User-Agent` naming the application and a contact.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderNotFound
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Link, RecordingInfo, VideoInfo
from mvidarr.providers.parsing import MBID, blank_to_none, date_of, lucene_quote, year_of, youtube_id
from mvidarr.providers.upstream import CallKind


class _Named(Wire):
    name: str
    count: int | None = None


class _LifeSpan(Wire):
    begin: str | None = None
    end: str | None = None


class _Url(Wire):
    resource: str


class _Relation(Wire):
    type: str | None = None
    target_type: str | None = Field(default=None, alias="target-type")
    url: _Url | None = None
    recording: _Recording | None = None


class _Alias(Wire):
    name: str
    sort_name: str | None = Field(default=None, alias="sort-name")
    locale: str | None = None
    type: str | None = None


class _Artist(Wire):
    id: str
    name: str
    sort_name: str | None = Field(default=None, alias="sort-name")
    type: str | None = None
    country: str | None = None
    disambiguation: str | None = None
    score: int | None = None
    life_span: _LifeSpan | None = Field(default=None, alias="life-span")
    genres: list[_Named] = Field(default_factory=list)
    tags: list[_Named] = Field(default_factory=list)
    relations: list[_Relation] = Field(default_factory=list)
    aliases: list[_Alias] = Field(default_factory=list)


class _ArtistSearch(Wire):
    artists: list[_Artist] = Field(default_factory=list)


class _CreditArtist(Wire):
    id: str
    name: str


class _Credit(Wire):
    name: str
    joinphrase: str = ""
    artist: _CreditArtist | None = None


class _Release(Wire):
    title: str | None = None
    date: str | None = None
    status: str | None = None


class _Recording(Wire):
    id: str
    title: str
    length: int | None = None
    video: bool | None = None
    score: int | None = None
    disambiguation: str | None = None
    first_release_date: str | None = Field(default=None, alias="first-release-date")
    artist_credit: list[_Credit] = Field(default_factory=list, alias="artist-credit")
    releases: list[_Release] = Field(default_factory=list)
    isrcs: list[str] = Field(default_factory=list)
    genres: list[_Named] = Field(default_factory=list)
    tags: list[_Named] = Field(default_factory=list)
    relations: list[_Relation] = Field(default_factory=list)


class _RecordingSearch(Wire):
    recordings: list[_Recording] = Field(default_factory=list)


class _RecordingBrowse(Wire):
    recording_count: int = Field(default=0, alias="recording-count")
    recording_offset: int = Field(default=0, alias="recording-offset")
    recordings: list[_Recording] = Field(default_factory=list)


class _UrlLookup(Wire):
    id: str
    resource: str
    relations: list[_Relation] = Field(default_factory=list)


_Relation.model_rebuild()
_Recording.model_rebuild()

BROWSE_PAGE = 100
# A recording's disambiguation that only says it is a video, not which version of it.
_VIDEO_WORDS = frozenset({"music video", "video", "official music video", "official video", "promo video"})

_LINK_KINDS = {
    "wikidata": "wikidata",
    "official homepage": "official",
    "youtube": "youtube",
    "wikipedia": "wikipedia",
    "social network": "social",
    "streaming": "streaming",
    "free streaming": "streaming",
    "discogs": "discogs",
    "allmusic": "allmusic",
    "last.fm": "lastfm",
}


def _by_count(items: list[_Named]) -> list[str]:
    return [i.name for i in sorted(items, key=lambda i: -(i.count or 0))]


def _artist(raw: _Artist) -> ArtistInfo:
    ids: dict[str, Any] = {"musicbrainz": raw.id}
    links: list[Link] = []
    for relation in raw.relations:
        if relation.url is None:
            continue
        url = relation.url.resource
        kind = _LINK_KINDS.get((relation.type or "").lower(), relation.type or "other")
        links.append(Link(kind=kind, url=url))
        if kind == "wikidata":
            ids["wikidata"] = url.rstrip("/").rsplit("/", 1)[-1]
        elif kind == "youtube" and "/channel/" in url:
            ids.setdefault("youtube_channel", url.rstrip("/").rsplit("/", 1)[-1])
        elif kind == "youtube":
            ids.setdefault("youtube_channel", url)
        elif "spotify.com/artist/" in url:
            ids["spotify"] = url.rstrip("/").rsplit("/", 1)[-1]
        elif "imvdb.com" in url:
            ids["imvdb"] = url.rstrip("/").rsplit("/", 1)[-1]
        elif "theaudiodb.com" in url:
            ids["audiodb"] = url.rstrip("/").rsplit("/", 1)[-1]
    span = raw.life_span or _LifeSpan()
    return ArtistInfo(
        provider="musicbrainz",
        provider_id=raw.id,
        name=raw.name,
        sort_name=raw.sort_name,
        disambiguation=blank_to_none(raw.disambiguation),
        kind=raw.type,
        country=raw.country,
        begin_year=year_of(span.begin),
        end_year=year_of(span.end),
        genres=_by_count(raw.genres),
        tags=_by_count(raw.tags),
        ids=ExternalIds(**ids),
        urls=links,
        score=raw.score / 100 if raw.score is not None else None,
        aliases=list(dict.fromkeys(a.name for a in raw.aliases)),
    )


def _recording(raw: _Recording) -> RecordingInfo:
    credits = raw.artist_credit
    main: list[_Credit] = []
    featured: list[_Credit] = []
    target = main
    for credit in credits:
        target.append(credit)
        if any(word in credit.joinphrase.lower() for word in ("feat", "ft.", "with")):
            target = featured
    official = [r for r in raw.releases if (r.status or "").lower() == "official"] or raw.releases
    first = sorted(official, key=lambda r: r.date or "9999")[0] if official else None
    released = raw.first_release_date or (first.date if first else None)
    return RecordingInfo(
        provider_id=raw.id,
        title=raw.title,
        # The last main credit's join phrase leads into the featured artists ("feat.").
        artist="".join(c.name + (c.joinphrase if i + 1 < len(main) else "") for i, c in enumerate(main)).strip(),
        artists=[c.name for c in main],
        artist_ids=[c.artist.id for c in credits if c.artist],
        featured_artists=[c.name for c in featured],
        disambiguation=blank_to_none(raw.disambiguation),
        duration_s=raw.length / 1000 if raw.length else None,
        first_release_date=date_of(released),
        year=year_of(released),
        album=first.title if first else None,
        isrcs=raw.isrcs,
        is_video=bool(raw.video),
        genres=_by_count(raw.genres),
        tags=_by_count(raw.tags),
        score=raw.score / 100 if raw.score is not None else None,
    )


def _video(raw: _Recording) -> VideoInfo:
    """A recording flagged as a video, with the YouTube links its URL relations give."""
    recording = _recording(raw)
    urls = [r.url.resource for r in raw.relations if r.url is not None]
    youtube_ids = list(dict.fromkeys(yid for url in urls if (yid := youtube_id(url))))
    disambiguation = recording.disambiguation
    version = disambiguation if disambiguation and disambiguation.casefold() not in _VIDEO_WORDS else None
    return VideoInfo(
        provider="musicbrainz",
        provider_id=raw.id,
        artist=recording.artist,
        artists=recording.artists,
        featured_artists=recording.featured_artists,
        artist_provider_id=recording.artist_ids[0] if recording.artist_ids else None,
        title=recording.title,
        version=version,
        year=recording.year,
        release_date=recording.first_release_date,
        duration_s=recording.duration_s,
        album=recording.album,
        youtube_ids=youtube_ids,
        source_urls=[Link(kind="youtube" if youtube_id(url) else "other", url=url) for url in urls],
        musicbrainz_recording_id=raw.id,
        ids=ExternalIds(musicbrainz=raw.id),
        url=f"https://musicbrainz.org/recording/{raw.id}",
    )


def _mbid(value: str) -> str:
    value = value.strip().lower()
    if not MBID.match(value):
        raise ProviderNotFound("musicbrainz", f"{value!r} is not a MusicBrainz id (a UUID)")
    return value


class MusicBrainzClient(ProviderClient):
    name = "musicbrainz"
    capabilities = frozenset(
        {
            Capability.SEARCH_ARTISTS,
            Capability.GET_ARTIST,
            Capability.SEARCH_RECORDINGS,
            Capability.RECORDING_FOR_URL,
            Capability.ARTIST_VIDEOS,
        }
    )

    async def check(self) -> str:
        await self.upstream.get(
            "/artist", _ArtistSearch, params={"query": "test", "limit": 1, "fmt": "json"}, cache=False
        )
        return "reachable (artist search)"

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        result = await self.upstream.get(
            "/artist",
            _ArtistSearch,
            params={"query": query, "limit": max(1, min(limit, 100)), "fmt": "json"},
            kind=CallKind.SEARCH,
        )
        return [_artist(a) for a in result.artists[:limit]]

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        raw = await self.upstream.get(
            f"/artist/{_mbid(provider_id)}", _Artist, params={"inc": "aliases+genres+tags+url-rels", "fmt": "json"}
        )
        return _artist(raw)

    async def get_artist_by_musicbrainz(self, mbid: str) -> ArtistInfo:
        return await self.get_artist(mbid)

    async def search_recordings(
        self,
        artist: str,
        title: str,
        *,
        limit: int = 10,
        duration_s: float | None = None,
        artist_mbid: str | None = None,
    ) -> list[RecordingInfo]:
        # By the artist's id once known: a namesake's songs never come back, any credit spelling does.
        who = f"arid:{_mbid(artist_mbid)}" if artist_mbid else f"artist:{lucene_quote(artist)}"
        query = f"{who} AND recording:{lucene_quote(title)}"
        if duration_s:
            ms = int(duration_s * 1000)
            query += f" AND dur:[{ms - 15000} TO {ms + 15000}]"
        result = await self.upstream.get(
            "/recording",
            _RecordingSearch,
            params={"query": query, "limit": max(1, min(limit, 100)), "fmt": "json"},
            kind=CallKind.SEARCH,
        )
        return [_recording(r) for r in result.recordings[:limit]]

    async def recording_for_url(self, url: str) -> list[RecordingInfo]:
        try:
            raw = await self.upstream.get(
                "/url", _UrlLookup, params={"resource": url, "inc": "recording-rels", "fmt": "json"}
            )
        except ProviderNotFound:
            return []
        return [_recording(r.recording) for r in raw.relations if r.recording is not None]

    async def artist_videos(self, provider_id: str, *, limit: int = 200) -> list[VideoInfo]:
        """The artist's recordings flagged as video, browsed page by page with their URL relations.

        Browsing lists every recording of the artist (audio ones too); only `video: true` ones are
        kept, until `limit` videos are found or the artist's recordings run out.
        """
        mbid = _mbid(provider_id)
        videos: list[VideoInfo] = []
        offset = 0
        while len(videos) < limit:
            page = await self.upstream.get(
                "/recording",
                _RecordingBrowse,
                params={
                    "artist": mbid,
                    "inc": "url-rels+artist-credits+releases",
                    "limit": BROWSE_PAGE,
                    "offset": offset,
                    "fmt": "json",
                },
            )
            videos.extend(_video(r) for r in page.recordings if r.video)
            offset += len(page.recordings)
            if not page.recordings or offset >= page.recording_count:
                break
        return videos[:limit]
