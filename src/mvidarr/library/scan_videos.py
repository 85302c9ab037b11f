"""Which artist and video a matched file belongs to, found or created, for one scan.

A scan meets the same artists and videos over and over; this keeps the recently used ones in
memory so a batch costs a few queries, not a few per file.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository as artists_repository
from mvidarr.artists import service as artists
from mvidarr.kit.text import fold, identity_key
from mvidarr.library.matching import Match
from mvidarr.metadata.credits import CreditVerdicts, credited_artists
from mvidarr.models import MediaFile, Video, VideoStatus
from mvidarr.videos.service import derive_fields

ARTIST_CACHE = 256


@dataclass(slots=True)
class _Caches:
    artists: dict[str, int] = field(default_factory=dict)
    # artist id -> {(folded title, folded version): video id}, for the most recently used artists.
    videos: OrderedDict[int, dict[tuple[str, str], int]] = field(default_factory=OrderedDict)
    given_current: set[int] = field(default_factory=set)


class VideoResolver:
    """Finds or creates the artist and video of each matched file of one scan, and counts what it made."""

    def __init__(self, credits: CreditVerdicts | None = None) -> None:
        self.caches = _Caches()
        self.credits = credits or CreditVerdicts(None)
        """What providers said about joint-looking credits (asked before each batch's transaction)."""
        self.artists_created = 0
        self.videos_created = 0

    def forget(self) -> None:
        """Drop what is cached: a savepoint rolled back may have undone some of it."""
        self.caches = _Caches()

    async def video_for(self, session: AsyncSession, match: Match, duration_s: float | None) -> tuple[int, bool]:
        """The video a matched file belongs to (found or created) and whether the file becomes current."""
        artist, featured = await self._credited(session, match)
        artist_id = await self._artist_id(session, artist)
        known = await self._videos_of(session, artist_id)
        key = (fold(match.title), fold(match.version))
        video_id = known.get(key)
        if video_id is None:
            video = Video(
                artist_id=artist_id,
                title=match.title[:500],
                version=match.version[:255],
                kind=match.kind,
                status=VideoStatus.DOWNLOADED,
                year=match.year,
                album=match.album,
                duration_s=duration_s,
                featured_artists=featured[:30],
                field_provenance={"title": {"source": f"scan:{match.source}"}},
            )
            derive_fields(video)
            session.add(video)
            await session.flush()
            known[key] = video.id
            self.videos_created += 1
            self.caches.given_current.add(video.id)
            return video.id, True
        if video_id in self.caches.given_current:
            return video_id, False
        has_current = await session.scalar(
            select(MediaFile.id).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True)).limit(1)
        )
        if has_current is not None:
            return video_id, False
        await session.execute(
            update(Video)
            .where(Video.id == video_id)
            .values(status=VideoStatus.DOWNLOADED, duration_s=func.coalesce(duration_s, Video.duration_s))
        )
        self.caches.given_current.add(video_id)
        return video_id, True

    async def _credited(self, session: AsyncSession, match: Match) -> tuple[str, list[str]]:
        """The artist a file's credit names, and the featured ones (see `metadata.credits`)."""
        return await credited_artists(
            match.artist, match.featured, known=lambda name: self._existing(session, name), verdicts=self.credits
        )

    async def _existing(self, session: AsyncSession, name: str) -> bool:
        key = identity_key(name)
        if key in self.caches.artists:
            return True
        return await artists_repository.exists_named(session, key)

    async def _artist_id(self, session: AsyncSession, name: str) -> int:
        key = identity_key(name)
        cached = self.caches.artists.get(key)
        if cached is not None:
            return cached
        artist, created = await artists.find_or_create(session, name)
        if created:
            await session.flush()
            self.artists_created += 1
        if len(self.caches.artists) >= ARTIST_CACHE * 16:
            self.caches.artists.clear()
        self.caches.artists[key] = artist.id
        return artist.id

    async def _videos_of(self, session: AsyncSession, artist_id: int) -> dict[tuple[str, str], int]:
        known = self.caches.videos.get(artist_id)
        if known is not None:
            self.caches.videos.move_to_end(artist_id)
            return known
        rows = (
            await session.execute(select(Video.id, Video.title, Video.version).where(Video.artist_id == artist_id))
        ).all()
        known = {}
        for row in rows:
            known.setdefault((fold(row.title), fold(row.version)), row.id)
        self.caches.videos[artist_id] = known
        if len(self.caches.videos) > ARTIST_CACHE:
            self.caches.videos.popitem(last=False)
        return known
