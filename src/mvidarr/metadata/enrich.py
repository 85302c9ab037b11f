"""Enriching one video or one artist: ask the providers, match, merge, apply, or queue for review.

Each unit of work reads a snapshot in a short session, talks to the providers with no session
open (provider calls wait on rate limits), then writes in another short session. A provider
that fails is logged and skipped: the next provider in the field order fills in.

This module holds what both kinds share: the outcome, the policy, the provider caller and the
writes (reviews, announcements, artwork). Videos are enriched in `enrich_videos`, artists in
`enrich_artists`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.db import utcnow
from mvidarr.events.hub import Event
from mvidarr.metadata import artwork, merge
from mvidarr.metadata import settings as metadata_settings
from mvidarr.metadata.settings import DEFAULT_ARTIST_ORDER, DEFAULT_VIDEO_ORDER
from mvidarr.models import ArtistGenre, MatchReview, VideoGenre
from mvidarr.providers.base import ProviderClient
from mvidarr.providers.errors import (
    ProviderCredentialsError,
    ProviderError,
    ProviderNotConfigured,
    ProviderNotFound,
    ProviderUnavailable,
    ProviderUnsupported,
)
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import Capability, ProviderName
from mvidarr.settings import service as runtime_settings

if TYPE_CHECKING:
    from mvidarr.events.hub import EventHub

log = logging.getLogger("mvidarr.metadata")
# The genre source of genres a video takes from its artist when no provider gives the video's own.
ARTIST_GENRES = "artist"
T = TypeVar("T")
Note = Callable[[str], Awaitable[None]]
MAX_CANDIDATES = 10


async def quiet(_message: str) -> None:
    return None


@dataclass(slots=True)
class Outcome:
    """What enriching one video or artist did."""

    status: str = "unmatched"
    """`matched`, `review` (best candidate below the threshold), `unmatched` (no candidate), `failed`."""
    changed: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    failed_providers: dict[str, str] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)
    """Providers called at all (answering or not): none means nothing could be looked up."""
    best_confidence: float | None = None
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    threshold: float
    video_order: dict[str, merge.Order]
    artist_order: dict[str, merge.Order]


async def load_policy(session: AsyncSession) -> Policy:
    return Policy(
        threshold=await runtime_settings.get(session, metadata_settings.MATCH_THRESHOLD),
        video_order=merge.orders(
            await runtime_settings.get(session, metadata_settings.VIDEO_FIELD_PROVIDERS), DEFAULT_VIDEO_ORDER
        ),
        artist_order=merge.orders(
            await runtime_settings.get(session, metadata_settings.ARTIST_FIELD_PROVIDERS), DEFAULT_ARTIST_ORDER
        ),
    )


class Asker:
    """Calls providers for one unit of work: failures are recorded, never raised."""

    def __init__(self, providers: ProviderHub, outcome: Outcome, note: Note) -> None:
        self.providers = providers
        self.outcome = outcome
        self.note = note
        self._clients: dict[ProviderName, ProviderClient | None] = {}

    async def client(self, name: ProviderName, capability: Capability) -> ProviderClient | None:
        if name not in self._clients:
            try:
                self._clients[name] = await self.providers.client(name)
            except ProviderNotConfigured:
                self._clients[name] = None
        found = self._clients[name]
        return found if found is not None and found.supports(capability) else None

    async def ask(self, name: ProviderName, call: Callable[[], Awaitable[T]]) -> T | None:
        if name in self.outcome.failed_providers:
            return None  # failed once in this unit of work: do not wait on it again
        await self.note(f"calling {name}")
        self.outcome.asked.add(name)
        try:
            return await call()
        except ProviderNotFound:
            return None
        except ProviderUnsupported:
            return None
        except ProviderError as exc:
            # Unavailable (down, paused, rate limited), refused credentials, or a bad answer:
            # the next provider in the order takes over.
            self.outcome.failed_providers[name] = exc.reason[:300]
            if isinstance(exc, ProviderUnavailable):
                self.outcome.retryable = True
            if isinstance(exc, ProviderCredentialsError):
                log.warning("provider %s refused the credentials: %s", name, exc)
            return None


class Writes:
    """What enrichers share: their sessions, providers and policy, the data dir artwork goes to and the hub
    that hears of changes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        providers: ProviderHub,
        policy: Policy,
        *,
        data_dir: Path | None = None,
        events: EventHub | None = None,
    ) -> None:
        self.sessions = sessions
        self.providers = providers
        self.policy = policy
        self.data_dir = data_dir
        self.events = events

    async def _announce(
        self, session: AsyncSession, kind: Literal["video", "artist"], key: int, changed: list[str]
    ) -> None:
        """`video.updated` / `artist.updated` (and `library.changed`) after `session` commits."""
        if self.events is None or not changed:
            return
        await self.events.emit(
            session,
            Event(type=f"{kind}.updated", data={"id": key, "changed": sorted(set(changed))}, ref=(kind, key)),
            Event(type="library.changed", data={kind: key, "reason": "enriched"}),
        )

    async def _artwork(self, kind: Literal["video", "artist"], key: int, chosen: dict[str, merge.Chosen]) -> list[str]:
        if self.data_dir is None:
            return []
        wanted = [
            artwork.Wanted(slot=slot, url=str(pick.value), provider=pick.provider)
            for slot in ("image", "fanart", "thumbnail")
            if (pick := chosen.get(slot)) is not None and isinstance(pick.value, str)
        ]
        if not wanted:
            return []
        changed = await artwork.download(self.sessions, self.data_dir, kind, key, wanted)
        if changed and self.events is not None:
            await self.events.publish(
                Event(type=f"{kind}.updated", data={"id": key, "changed": changed}, ref=(kind, key))
            )
        return changed


async def artist_genres_fallback(session: AsyncSession, video_id: int, artist_id: int) -> bool:
    """Give the video its artist's genres when it has none of its own; True when they changed.

    Genres taken this way carry the source `artist`, so they follow the artist's until a
    provider (or the user) gives the video genres of its own.
    """
    own = (
        await session.execute(select(VideoGenre.genre_id, VideoGenre.source).where(VideoGenre.video_id == video_id))
    ).all()
    if any(row.source != ARTIST_GENRES for row in own):
        return False
    artist_ids = set(
        (await session.execute(select(ArtistGenre.genre_id).where(ArtistGenre.artist_id == artist_id))).scalars()
    )
    if artist_ids == {row.genre_id for row in own}:
        return False
    await session.execute(delete(VideoGenre).where(VideoGenre.video_id == video_id))
    if artist_ids:
        await session.execute(
            insert(VideoGenre),
            [{"video_id": video_id, "genre_id": gid, "source": ARTIST_GENRES} for gid in sorted(artist_ids)],
        )
    return True


async def upsert_review(
    session: AsyncSession, values: dict[str, Any], *, video_id: int | None = None, artist_id: int | None = None
) -> None:
    column = MatchReview.video_id if video_id is not None else MatchReview.artist_id
    key = video_id if video_id is not None else artist_id
    row = (await session.execute(select(MatchReview).where(column == key))).scalar_one_or_none()
    if row is None:
        session.add(MatchReview(video_id=video_id, artist_id=artist_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
