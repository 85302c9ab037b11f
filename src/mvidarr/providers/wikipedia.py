"""Wikipedia: page summaries (REST `page/summary`) and page search (Action API), no key."""

from __future__ import annotations

import urllib.parse

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Images, Link
from mvidarr.providers.upstream import CallKind


class _Image(Wire):
    source: str


class _Desktop(Wire):
    page: str | None = None


class _ContentUrls(Wire):
    desktop: _Desktop | None = None


class _Summary(Wire):
    type: str | None = None
    title: str
    description: str | None = None
    extract: str | None = None
    thumbnail: _Image | None = None
    originalimage: _Image | None = None
    content_urls: _ContentUrls | None = None
    wikibase_item: str | None = None


class _Hit(Wire):
    title: str
    pageid: int | None = None


class _Query(Wire):
    search: list[_Hit] = Field(default_factory=list)


class _Search(Wire):
    query: _Query = Field(default_factory=_Query)


class WikipediaClient(ProviderClient):
    """`provider_id` is the page title ('Daft Punk'); Wikidata gives it for an artist's item."""

    name = "wikipedia"
    capabilities = frozenset({Capability.SEARCH_ARTISTS, Capability.GET_ARTIST})

    async def check(self) -> str:
        await self._search("music video", 1, cache=False)
        return "reachable (page search)"

    async def _search(self, query: str, limit: int, *, cache: bool = True) -> _Search:
        return await self.upstream.get(
            "/w/api.php",
            _Search,
            params={
                "action": "query",
                "list": "search",
                "srsearch": query,
                "srlimit": max(1, min(limit, 50)),
                "format": "json",
            },
            kind=CallKind.SEARCH,
            cache=cache,
        )

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        result = await self._search(query, limit)
        return [
            ArtistInfo(
                provider="wikipedia",
                provider_id=hit.title,
                name=hit.title,
                ids=ExternalIds(wikipedia=f"en:{hit.title}"),
            )
            for hit in result.query.search[:limit]
        ]

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        title = provider_id.removeprefix("en:").strip().replace(" ", "_")
        raw = await self.upstream.get(f"/api/rest_v1/page/summary/{urllib.parse.quote(title, safe='')}", _Summary)
        picture = raw.originalimage or raw.thumbnail
        page = raw.content_urls.desktop.page if raw.content_urls and raw.content_urls.desktop else None
        return ArtistInfo(
            provider="wikipedia",
            provider_id=raw.title,
            name=raw.title,
            disambiguation=raw.description,
            biography=raw.extract if raw.type != "disambiguation" else None,
            biography_source=page,
            images=Images(thumb=picture.source if picture else None),
            ids=ExternalIds(wikidata=raw.wikibase_item, wikipedia=f"en:{raw.title}"),
            urls=[Link(kind="wikipedia", url=page)] if page else [],
        )
