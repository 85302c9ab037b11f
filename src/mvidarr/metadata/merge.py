"""Merging what several providers say into one video or artist, field by field.

Each field has an ordered list of providers (runtime settings `metadata.video_field_providers`
and `metadata.artist_field_providers`); the first provider in that order with a value wins.
The value, its provider and the match confidence are kept as provenance. Locked fields (those a
user edited) are never written. Pure functions apart from `apply_genres`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.genres import repository as genres
from mvidarr.genres.repository import genre_key
from mvidarr.kit.text import nfc
from mvidarr.providers.models import PROVIDER_NAMES, ArtistInfo, ProviderName, RecordingInfo, VideoInfo

Order = list[ProviderName]

# Fields that are only filled, never replaced once set (the file's probe knows the duration best).
FILL_ONLY = frozenset({"duration_s"})
# Provenance keys of artwork, whose values are remote URLs the artwork code downloads.
ARTWORK = frozenset({"image", "fanart", "thumbnail"})
MAX_GENRES = 8
# Spellings of genres the vocabulary names otherwise.
_GENRE_SYNONYMS = {
    "hip hop rap": "hip hop",
    "rap hip hop": "hip hop",
    "hip hop music": "hip hop",
    "rap": "hip hop",
    "rnb soul": "rnb",
    "electronic music": "electronic",
    "alternative": "alternative rock",
    "alt rock": "alternative rock",
    "synthpop": "synth pop",
    "kpop": "k pop",
    "jpop": "j pop",
    "jrock": "j rock",
    "drum n bass": "drum and bass",
    "dnb": "drum and bass",
    "trip-hop": "trip hop",
}


def _key(name: str) -> str:
    key = genre_key(name)
    return _GENRE_SYNONYMS.get(key, key)


@functools.cache
def vocabulary() -> dict[str, str]:
    """The genre vocabulary shipped as data (MusicBrainz's genre list): comparison key -> its spelling.

    Read once per process from the package's `genres.txt`; the result is never changed.
    """
    text = resources.files("mvidarr.metadata").joinpath("genres.txt").read_text(encoding="utf-8")
    names = (line.strip() for line in text.splitlines())
    return {_key(name): name for name in names if name and not name.startswith("#")}


@dataclass(frozen=True, slots=True)
class Chosen:
    """The value merging picked for one field, and where it came from."""

    field: str
    value: Any
    provider: ProviderName
    confidence: float

    def provenance(self, at: datetime) -> dict[str, Any]:
        return {"provider": self.provider, "confidence": round(self.confidence, 4), "at": at.isoformat()}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def orders(
    configured: Mapping[str, Sequence[str]] | None, defaults: Mapping[str, list[ProviderName]]
) -> dict[str, Order]:
    """The order in force per field: the configured lists over the defaults."""
    result: dict[str, Order] = {k: list(v) for k, v in defaults.items()}
    for field, providers in (configured or {}).items():
        result[field] = [name for p in providers for name in PROVIDER_NAMES if name == p]
    return result


def merge(
    offers: Mapping[ProviderName, Mapping[str, Any]],
    confidences: Mapping[ProviderName, float],
    order: Mapping[str, Sequence[ProviderName]],
) -> dict[str, Chosen]:
    """For each field in `order`, the first listed provider's non-empty value."""
    chosen: dict[str, Chosen] = {}
    for field, providers in order.items():
        for provider in providers:
            value = offers.get(provider, {}).get(field)
            if not _empty(value):
                chosen[field] = Chosen(field, value, provider, confidences.get(provider, 1.0))
                break
    return chosen


def apply(
    target: Any,
    chosen: Mapping[str, Chosen],
    *,
    locked: Iterable[str],
    provenance: dict[str, Any],
    at: datetime,
    skip: Iterable[str] = (),
) -> list[str]:
    """Write the chosen values onto an ORM object; locked fields and `skip` are left alone.

    Returns the changed field names. Provenance is updated for every field written (and for
    fields whose value already equalled the provider's, so the API shows who confirms it).
    """
    refused = set(locked) | set(skip)
    changed: list[str] = []
    for field, pick in chosen.items():
        if field in refused or field == "genres" or field in ARTWORK or not hasattr(target, field):
            continue
        current = getattr(target, field)
        if field in FILL_ONLY and not _empty(current):
            continue
        if current != pick.value:
            setattr(target, field, pick.value)
            changed.append(field)
        provenance[field] = pick.provenance(at)
    return changed


def clean_genres(names: Iterable[str]) -> list[str]:
    """Provider genres and tags as genre names: only genres of the vocabulary, spelled its way, at most 8.

    Free tags that are not genres (nationalities, places, years, "legendary", "seen live") are dropped.
    """
    known = vocabulary()
    seen: dict[str, str] = {}
    for raw in names:
        key = _key(nfc(raw))
        if key not in known or key in seen:
            continue
        seen[key] = _title_case(known[key])
        if len(seen) >= MAX_GENRES:
            break
    return list(seen.values())


def _title_case(name: str) -> str:
    # "hip hop" -> "Hip Hop", "idm" -> "IDM": short all-letter names are acronyms.
    if name.islower() and len(name) <= 3 and name.isalpha():
        return name.upper()
    return name if any(ch.isupper() for ch in name) else name.title()


async def apply_genres(
    session: AsyncSession, *, video_id: int | None = None, artist_id: int | None = None, pick: Chosen
) -> list[str]:
    """Link the chosen genres (normalised into the genre table), tagged with their provider."""
    names = clean_genres(pick.value)
    if video_id is not None:
        await genres.set_for_video(session, video_id, names, source=pick.provider)
    elif artist_id is not None:
        await genres.set_for_artist(session, artist_id, names, source=pick.provider)
    return names


# -- provider records as field offers -------------------------------------------------------------


def _year_of(value: date | None) -> int | None:
    return value.year if value is not None else None


def video_offer(info: VideoInfo) -> dict[str, Any]:
    """The video fields a provider's video record offers."""
    sources = [{"url": link.url, "kind": link.kind} for link in info.source_urls][:50]
    imvdb_id = int(info.provider_id) if info.provider == "imvdb" and info.provider_id.isdigit() else None
    return {
        "title": info.title,
        "year": info.year or _year_of(info.release_date),
        "release_date": info.release_date,
        "album": info.album,
        "label": info.label,
        "description": info.description,
        "featured_artists": list(info.featured_artists),
        "directors": list(info.directors),
        "producers": list(info.producers),
        "duration_s": info.duration_s,
        "imvdb_id": imvdb_id,
        "musicbrainz_recording_id": info.musicbrainz_recording_id,
        "youtube_id": info.youtube_ids[0] if info.youtube_ids else None,
        "sources": sources,
        "view_count": info.view_count,
        "like_count": info.like_count,
        "thumbnail": info.thumb,
    }


def recording_offer(info: RecordingInfo) -> dict[str, Any]:
    """The video fields a MusicBrainz recording offers (the song behind the video)."""
    return {
        "title": info.title,
        "year": info.year or _year_of(info.first_release_date),
        "release_date": info.first_release_date,
        "album": info.album,
        "label": info.label,
        "featured_artists": list(info.featured_artists),
        "duration_s": info.duration_s,
        "musicbrainz_recording_id": info.provider_id,
        "genres": [*info.genres, *info.tags],
    }


def artist_offer(info: ArtistInfo) -> dict[str, Any]:
    """The artist fields a provider's artist record offers."""
    ids = info.ids
    own = {
        "musicbrainz": "musicbrainz_id",
        "spotify": "spotify_id",
        "theaudiodb": "audiodb_id",
        "wikidata": "wikidata_id",
        "youtube": "youtube_channel_id",
    }
    offer: dict[str, Any] = {
        "sort_name": info.sort_name,
        "disambiguation": info.disambiguation,
        "country": info.country.upper() if info.country and len(info.country) == 2 else None,
        "begin_year": info.begin_year,
        "biography": info.biography,
        "genres": [*info.genres, *info.tags],
        "musicbrainz_id": ids.musicbrainz,
        "spotify_id": ids.spotify,
        "youtube_channel_id": ids.youtube_channel
        if ids.youtube_channel and ids.youtube_channel.startswith("UC")
        else None,
        "wikidata_id": ids.wikidata,
        "audiodb_id": ids.audiodb,
        "imvdb_slug": ids.imvdb,
        "image": info.images.thumb,
        "fanart": info.images.fanart,
    }
    if info.provider == "imvdb":
        # IMVDb entities have a number and a slug; either may be the provider id.
        if info.provider_id.isdigit():
            offer["imvdb_id"] = int(info.provider_id)
        else:
            offer["imvdb_slug"] = info.provider_id
    elif info.provider in own:
        offer[own[info.provider]] = info.provider_id
    return offer
