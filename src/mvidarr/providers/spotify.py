"""Spotify Web API (https://developer.spotify.com/documentation/web-api): artist search, genres,
images, with an app token from the client-credentials flow."""

from __future__ import annotations

import re
import time

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderBadResponse, ProviderCredentialsError, ProviderNotFound
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Images, Link
from mvidarr.providers.upstream import CallKind

SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")


class _Token(Wire):
    access_token: str
    token_type: str | None = None
    expires_in: int = 3600


class _Image(Wire):
    url: str
    width: int | None = None
    height: int | None = None


class _Artist(Wire):
    id: str
    name: str
    genres: list[str] = Field(default_factory=list)
    images: list[_Image] = Field(default_factory=list)
    popularity: int | None = None
    external_urls: dict[str, str] = Field(default_factory=dict)


class _Page(Wire):
    items: list[_Artist] = Field(default_factory=list)
    total: int | None = None


class _Search(Wire):
    artists: _Page = Field(default_factory=_Page)


def _artist(raw: _Artist) -> ArtistInfo:
    images = sorted(raw.images, key=lambda i: -(i.width or 0))
    page = raw.external_urls.get("spotify")
    return ArtistInfo(
        provider="spotify",
        provider_id=raw.id,
        name=raw.name,
        genres=raw.genres,
        images=Images(thumb=images[0].url if images else None),
        ids=ExternalIds(spotify=raw.id),
        urls=[Link(kind="spotify", url=page)] if page else [],
        score=raw.popularity / 100 if raw.popularity is not None else None,
    )


class SpotifyClient(ProviderClient):
    name = "spotify"
    capabilities = frozenset({Capability.SEARCH_ARTISTS, Capability.GET_ARTIST})

    async def _token(self, *, renew: bool = False) -> str:
        runtime = self.upstream.runtime
        async with runtime.token_lock:
            if not renew and runtime.token and runtime.token_expires_at > time.time() + 30:
                return runtime.token
            try:
                data = await self.upstream.send(
                    "POST",
                    str(self.config.extra["auth_url"]),
                    data={"grant_type": "client_credentials"},
                    auth=(self.config.credentials["client_id"], self.config.credentials["client_secret"]),
                )
            except ProviderBadResponse as exc:
                if exc.upstream_status == 400:  # invalid_client comes as 400
                    raise ProviderCredentialsError(
                        self.name, "refused the client id/secret; check providers.spotify.client_id and client_secret"
                    ) from None
                raise
            try:
                token = _Token.model_validate(data)
            except ValueError:
                raise ProviderBadResponse(self.name, "token endpoint answered without an access_token") from None
            runtime.token = token.access_token
            runtime.token_expires_at = time.time() + token.expires_in
            return token.access_token

    async def _get(self, path: str, model: type[_Search] | type[_Artist], **kwargs: object) -> _Search | _Artist:
        for attempt in (0, 1):
            token = await self._token(renew=attempt == 1)
            try:
                return await self.upstream.get(path, model, headers={"Authorization": f"Bearer {token}"}, **kwargs)  # type: ignore[arg-type]
            except ProviderCredentialsError:
                if attempt == 1 or self.upstream.runtime.token != token:
                    raise
                # An app token can expire early or be revoked: get a new one once.
        raise AssertionError("unreachable")

    async def check(self) -> str:
        await self._token(renew=True)
        return "client id and secret accepted (token issued)"

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        result = await self._get(
            "/search",
            _Search,
            params={"q": query, "type": "artist", "limit": max(1, min(limit, 50))},
            kind=CallKind.SEARCH,
        )
        assert isinstance(result, _Search)
        return [_artist(a) for a in result.artists.items[:limit]]

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        if not SPOTIFY_ID.match(provider_id):
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a Spotify id")
        result = await self._get(f"/artists/{provider_id}", _Artist)
        assert isinstance(result, _Artist)
        return _artist(result)
