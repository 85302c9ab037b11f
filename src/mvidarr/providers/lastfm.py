"""Last.fm API 2.0 (https://www.last.fm/api): artist info, search and top tags (used as genres)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import (
    ProviderBadResponse,
    ProviderCredentialsError,
    ProviderNotFound,
    ProviderUnavailable,
)
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Link
from mvidarr.providers.parsing import MBID, blank_to_none
from mvidarr.providers.upstream import CallKind

_READ_MORE = re.compile(r"\s*<a href=\"[^\"]*\">Read more on Last\.fm</a>\.?\s*$")


class _Tag(Wire):
    name: str
    count: int | None = None


class _Tags(Wire):
    tag: list[_Tag] | _Tag = Field(default_factory=list)


class _Bio(Wire):
    summary: str | None = None
    content: str | None = None


class _Artist(Wire):
    name: str
    mbid: str | None = None
    url: str | None = None
    tags: _Tags | str | None = None
    bio: _Bio | None = None
    listeners: str | int | None = None


class _Answer(Wire):
    """Every method answers either its payload or `{"error": code, "message": ...}`."""

    error: int | None = None
    message: str | None = None
    artist: _Artist | None = None
    toptags: _Tags | None = None
    results: dict[str, Any] | None = None


def _raise_for(answer: _Answer) -> None:
    if answer.error is None:
        return
    message = answer.message or f"error {answer.error}"
    if answer.error == 6:
        raise ProviderNotFound("lastfm", message)
    if answer.error in (4, 10, 14, 26):
        raise ProviderCredentialsError("lastfm", f"{message}; check providers.lastfm.api_key")
    if answer.error in (11, 16, 29):
        raise ProviderUnavailable("lastfm", message)
    raise ProviderBadResponse("lastfm", message)


def _tags(tags: _Tags | str | None) -> list[str]:
    if not isinstance(tags, _Tags):
        return []
    items = tags.tag if isinstance(tags.tag, list) else [tags.tag]
    return [t.name for t in sorted(items, key=lambda t: -(t.count or 0))]


class LastFmClient(ProviderClient):
    """`provider_id` is the artist name as Last.fm spells it."""

    name = "lastfm"
    capabilities = frozenset({Capability.SEARCH_ARTISTS, Capability.GET_ARTIST, Capability.ARTIST_BY_MUSICBRAINZ})

    async def _call(
        self, method: str, kind: CallKind = CallKind.LOOKUP, cache: bool = True, **params: str | int
    ) -> _Answer:
        try:
            answer = await self.upstream.get(
                "/",
                _Answer,
                params={"method": method, "api_key": self.config.credentials["api_key"], "format": "json", **params},
                secret_params=("api_key",),
                kind=kind,
                cache=cache,
            )
        except (ProviderCredentialsError, ProviderBadResponse) as exc:
            # Last.fm sends its error codes with 4xx statuses too; the code says more than the status.
            body = exc.upstream_body
            if body:
                try:
                    parsed = _Answer.model_validate_json(body)
                except ValueError:
                    raise exc from None
                _raise_for(parsed)
            raise
        _raise_for(answer)
        return answer

    async def check(self) -> str:
        await self._call("artist.search", artist="test", limit=1, cache=False)
        return "API key accepted (artist search)"

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        answer = await self._call("artist.search", CallKind.SEARCH, artist=query, limit=max(1, min(limit, 50)))
        matches = (answer.results or {}).get("artistmatches", {}).get("artist", [])
        if isinstance(matches, dict):
            matches = [matches]
        found = []
        for raw in matches[:limit]:
            try:
                artist = _Artist.model_validate(raw)
            except ValueError:
                raise ProviderBadResponse(self.name, "unexpected artist entry in search results") from None
            found.append(self._artist(artist, []))
        return found

    def _artist(self, raw: _Artist, top_tags: list[str]) -> ArtistInfo:
        bio = raw.bio.content or raw.bio.summary if raw.bio else None
        biography = blank_to_none(_READ_MORE.sub("", bio)) if bio else None
        return ArtistInfo(
            provider="lastfm",
            provider_id=raw.name,
            name=raw.name,
            tags=top_tags or _tags(raw.tags),
            genres=[],
            biography=biography,
            biography_source=raw.url if biography else None,
            ids=ExternalIds(musicbrainz=blank_to_none(raw.mbid), lastfm=raw.url),
            urls=[Link(kind="lastfm", url=raw.url)] if raw.url else [],
        )

    async def _info(self, artist: str | None = None, mbid: str | None = None) -> ArtistInfo:
        who: dict[str, str | int] = {"artist": artist} if artist else {"mbid": mbid or ""}
        answer = await self._call("artist.getinfo", CallKind.LOOKUP, True, autocorrect=1, **who)
        if answer.artist is None:
            raise ProviderBadResponse(self.name, "artist.getinfo answered without an artist")
        top = await self._call("artist.gettoptags", CallKind.LOOKUP, True, autocorrect=1, **who)
        return self._artist(answer.artist, _tags(top.toptags)[:10])

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        return await self._info(artist=provider_id)

    async def get_artist_by_musicbrainz(self, mbid: str) -> ArtistInfo:
        if not MBID.match(mbid.lower()):
            raise ProviderNotFound(self.name, f"{mbid!r} is not a MusicBrainz id")
        return await self._info(mbid=mbid.lower())
