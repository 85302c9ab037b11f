"""Asking the providers for an artist's music videos, turned into `SourceItem`s for grouping.

Each provider is asked with the artist's id there (IMVDb slug, MusicBrainz MBID, TheAudioDB id,
YouTube channel); a provider that is off, unconfigured, cannot list videos or fails is noted and
skipped, so one provider being down never stops discovery from the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mvidarr.discovery.grouping import SourceItem
from mvidarr.models import Artist
from mvidarr.providers.errors import ProviderError, ProviderNotConfigured, ProviderUnsupported
from mvidarr.providers.models import ProviderName, VideoInfo

if TYPE_CHECKING:
    from mvidarr.providers.hub import ProviderHub

log = logging.getLogger("mvidarr.discovery")
DISCOVERY_PROVIDERS: tuple[ProviderName, ...] = ("imvdb", "musicbrainz", "theaudiodb", "youtube")
YOUTUBE_WATCH = "https://www.youtube.com/watch?v="


@dataclass(frozen=True, slots=True)
class ArtistIds:
    """What discovery needs to know of an artist (read in one session, used outside it)."""

    id: int
    name: str
    imvdb: str | None = None
    musicbrainz: str | None = None
    theaudiodb: str | None = None
    youtube: str | None = None

    @classmethod
    def of(cls, artist: Artist) -> ArtistIds:
        imvdb = artist.imvdb_slug or (str(artist.imvdb_id) if artist.imvdb_id else None)
        return cls(
            id=artist.id,
            name=artist.name,
            imvdb=imvdb,
            musicbrainz=artist.musicbrainz_id,
            theaudiodb=artist.audiodb_id,
            youtube=artist.youtube_channel_id,
        )

    def provider_id(self, provider: ProviderName) -> str | None:
        ids: dict[str, str | None] = {
            "imvdb": self.imvdb,
            "musicbrainz": self.musicbrainz,
            "theaudiodb": self.theaudiodb,
            "youtube": self.youtube,
        }
        return ids.get(provider)


@dataclass(slots=True)
class Collected:
    items: list[SourceItem] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def source_item(info: VideoInfo) -> SourceItem:
    """One provider's video as a grouping item; a version the provider names separately joins the title."""
    title = info.title
    if info.version and info.version.casefold() not in title.casefold():
        title = f"{title} ({info.version})"
    youtube_id = info.youtube_ids[0] if info.youtube_ids else None
    return SourceItem(
        source=info.provider,
        source_id=info.provider_id,
        title=title,
        artist=info.artist or None,
        year=info.year,
        release_date=info.release_date,
        duration_s=info.duration_s,
        youtube_id=youtube_id,
        url=info.url,
        thumbnail_url=info.thumb,
    )


async def _ask(
    providers: ProviderHub, name: ProviderName, provider_id: str, limit: int
) -> list[VideoInfo] | str | None:
    """The provider's list, the reason it failed, or None when it does not take part."""
    try:
        client = await providers.client(name)
        return await client.artist_videos(provider_id, limit=limit)
    except (ProviderNotConfigured, ProviderUnsupported):
        return None
    except ProviderError as exc:
        return exc.reason


async def collect(providers: ProviderHub, artist: ArtistIds, *, limit: int = 500) -> Collected:
    """Every enabled source's list of the artist's videos, asked at once, kept in provider order.

    The providers are asked concurrently: each waits only for its own rate limiter.
    """
    asked = [(name, pid) for name in DISCOVERY_PROVIDERS if (pid := artist.provider_id(name)) is not None]
    answers = await asyncio.gather(*(_ask(providers, name, pid, limit) for name, pid in asked))
    found = Collected()
    for (name, _pid), answer in zip(asked, answers, strict=True):
        if answer is None:
            continue
        if isinstance(answer, str):
            log.info("discovery of artist %s: %s failed: %s", artist.id, name, answer)
            found.errors[name] = answer
            continue
        found.asked.append(name)
        found.items.extend(source_item(v) for v in answer)
    return found
