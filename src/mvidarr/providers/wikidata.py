"""Wikidata (Action API `wbgetentities` / `wbsearchentities`), no key: ids of an artist at other
services, its English Wikipedia page, image, and start year."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from pydantic import Field

from mvidarr.providers.base import ProviderClient, Wire
from mvidarr.providers.errors import ProviderNotFound
from mvidarr.providers.models import ArtistInfo, Capability, ExternalIds, Images, Link
from mvidarr.providers.parsing import year_of
from mvidarr.providers.upstream import CallKind

QID = re.compile(r"^Q[1-9]\d{0,11}$")
_PROPERTIES = {
    "P434": "musicbrainz",
    "P1902": "spotify",
    "P2397": "youtube_channel",
    "P7140": "imvdb",  # IMVDb artist id
    "P8002": "audiodb",  # TheAudioDB artist id
}


class _Entity(Wire):
    id: str | None = None
    missing: str | None = None
    labels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    descriptions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    claims: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    sitelinks: dict[str, dict[str, Any]] = Field(default_factory=dict)


class _Entities(Wire):
    entities: dict[str, _Entity] = Field(default_factory=dict)


class _Hit(Wire):
    id: str
    label: str | None = None
    description: str | None = None


class _Search(Wire):
    search: list[_Hit] = Field(default_factory=list)


def _values(entity: _Entity, prop: str) -> list[Any]:
    out = []
    for claim in entity.claims.get(prop, []):
        value = claim.get("mainsnak", {}).get("datavalue", {}).get("value")
        if value is not None:
            out.append(value)
    return out


def _first_string(entity: _Entity, prop: str) -> str | None:
    return next((v for v in _values(entity, prop) if isinstance(v, str)), None)


def _first_year(entity: _Entity, *props: str) -> int | None:
    for prop in props:
        for value in _values(entity, prop):
            if isinstance(value, dict) and isinstance(value.get("time"), str):
                return year_of(value["time"].lstrip("+"))
    return None


class WikidataClient(ProviderClient):
    """`provider_id` is the item id ('Q1299'), as MusicBrainz links it."""

    name = "wikidata"
    capabilities = frozenset({Capability.SEARCH_ARTISTS, Capability.GET_ARTIST})

    async def check(self) -> str:
        await self.upstream.get(
            "/w/api.php",
            _Search,
            params={"action": "wbsearchentities", "search": "music", "language": "en", "limit": 1, "format": "json"},
            cache=False,
        )
        return "reachable (entity search)"

    async def search_artists(self, query: str, *, limit: int = 10) -> list[ArtistInfo]:
        result = await self.upstream.get(
            "/w/api.php",
            _Search,
            params={
                "action": "wbsearchentities",
                "search": query,
                "language": "en",
                "type": "item",
                "limit": max(1, min(limit, 50)),
                "format": "json",
            },
            kind=CallKind.SEARCH,
        )
        return [
            ArtistInfo(
                provider="wikidata",
                provider_id=hit.id,
                name=hit.label or hit.id,
                disambiguation=hit.description,
                ids=ExternalIds(wikidata=hit.id),
            )
            for hit in result.search[:limit]
        ]

    async def get_artist(self, provider_id: str) -> ArtistInfo:
        qid = provider_id.strip().upper()
        if not QID.match(qid):
            raise ProviderNotFound(self.name, f"{provider_id!r} is not a Wikidata item id (Q123)")
        result = await self.upstream.get(
            "/w/api.php",
            _Entities,
            params={
                "action": "wbgetentities",
                "ids": qid,
                "props": "labels|descriptions|claims|sitelinks",
                "languages": "en",
                "sitefilter": "enwiki",
                "format": "json",
            },
        )
        entity = result.entities.get(qid)
        if entity is None or entity.missing is not None:
            raise ProviderNotFound(self.name, f"no item {qid}")
        ids: dict[str, str] = {"wikidata": qid}
        for prop, key in _PROPERTIES.items():
            if (value := _first_string(entity, prop)) is not None:
                ids[key] = value
        wiki_title = entity.sitelinks.get("enwiki", {}).get("title")
        if isinstance(wiki_title, str):
            ids["wikipedia"] = f"en:{wiki_title}"
        image = _first_string(entity, "P18")
        website = _first_string(entity, "P856")
        label = entity.labels.get("en", {}).get("value")
        description = entity.descriptions.get("en", {}).get("value")
        links = [Link(kind="official", url=website)] if website else []
        if isinstance(wiki_title, str):
            links.append(
                Link(
                    kind="wikipedia",
                    url=f"https://en.wikipedia.org/wiki/{urllib.parse.quote(wiki_title.replace(' ', '_'))}",
                )
            )
        return ArtistInfo(
            provider="wikidata",
            provider_id=qid,
            name=label if isinstance(label, str) else qid,
            disambiguation=description if isinstance(description, str) else None,
            begin_year=_first_year(entity, "P571", "P2031", "P569"),
            end_year=_first_year(entity, "P576", "P2032", "P570"),
            images=Images(
                thumb=f"https://commons.wikimedia.org/wiki/Special:FilePath/{urllib.parse.quote(image)}"
                if image
                else None
            ),
            ids=ExternalIds(**ids),
            urls=links,
        )
