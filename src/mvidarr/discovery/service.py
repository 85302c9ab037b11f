"""Discovery: turn what the sources list for an artist into wanted (or ignored) videos.

`plan` decides, for every discovered video, whether it is new (wanted, or ignored with the filter's
reason), already in the library (its new sources are attached) or was removed by the user (left
alone). `apply` writes a plan. The preview endpoint shows a plan without applying it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database
from mvidarr.discovery import repository
from mvidarr.discovery.filters import DiscoveryFilters, rejection, released_since
from mvidarr.discovery.grouping import DiscoveredVideo, SourceItem, find_existing, group_items, song_key
from mvidarr.discovery.removals import remember_removal
from mvidarr.discovery.repository import WantedFilter
from mvidarr.discovery.schemas import (
    ARTIST_DISCOVER,
    ArtistDiscoverParams,
    CalendarItem,
    DiscoveryAction,
    DiscoveryPreview,
    PlannedVideo,
    WantedBulk,
    WantedBulkResult,
    WantedItem,
)
from mvidarr.discovery.settings import DEFAULT_FILTERS
from mvidarr.discovery.sources import YOUTUBE_WATCH, ArtistIds, Collected, collect
from mvidarr.errors import CONFLICT, ArtistNotFound, InvalidInput, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.pagination import Page, PageParams, sort_clauses
from mvidarr.models import Artist, BlocklistEntry, Job, Video, VideoKind, VideoRemoval, VideoStatus
from mvidarr.quality import service as quality
from mvidarr.settings import service as runtime_settings
from mvidarr.videos.service import derive_fields

if TYPE_CHECKING:
    from mvidarr.providers.hub import ProviderHub

__all__ = ["remember_removal"]
MONITOR_NEW_REASON = "released before the artist was added (monitor new only)"


async def get_artist(session: AsyncSession, artist_id: int) -> Artist:
    artist = await session.get(Artist, artist_id)
    if artist is None:
        raise ArtistNotFound(artist_id)
    return artist


async def lock_artists(session: AsyncSession, artist_ids: Sequence[int]) -> dict[int, Artist]:
    """Loads the artists for discovery writes, holding their rows until the transaction ends.

    Discovery and channel monitors decide "is this video new?" and then insert it; two of them
    deciding at once for one artist would both insert. On PostgreSQL the row locks (taken in id
    order, so two callers never deadlock) make the second wait and then see the first one's
    videos; SQLite writers already run one at a time (BEGIN IMMEDIATE), and it ignores FOR UPDATE.
    """
    if not artist_ids:
        return {}
    stmt = (
        select(Artist)
        .where(Artist.id.in_(sorted(set(artist_ids))))
        .order_by(Artist.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in (await session.execute(stmt)).scalars()}


async def default_filters(session: AsyncSession) -> DiscoveryFilters:
    return await runtime_settings.get(session, DEFAULT_FILTERS)


def artist_filters(artist: Artist, default: DiscoveryFilters) -> DiscoveryFilters:
    """The artist's own filters, each unset one taken from the default."""
    return DiscoveryFilters(
        kinds=[VideoKind(k) for k in artist.allowed_kinds] if artist.allowed_kinds is not None else default.kinds,
        include_words=list(artist.include_words) or default.include_words,
        exclude_words=list(artist.exclude_words) or default.exclude_words,
        min_year=artist.min_year if artist.min_year is not None else default.min_year,
        min_duration_s=artist.min_duration_s if artist.min_duration_s is not None else default.min_duration_s,
    )


@dataclass(slots=True)
class Planned:
    video: DiscoveredVideo
    action: DiscoveryAction
    reason: str | None = None
    video_id: int | None = None


def _imvdb_id(found: DiscoveredVideo) -> int | None:
    raw = found.source_id("imvdb")
    return int(raw) if raw is not None and raw.isdigit() else None


def _removed(found: DiscoveredVideo, removals: Sequence[VideoRemoval]) -> bool:
    youtube = set(found.youtube_ids)
    imvdb = _imvdb_id(found)
    for removal in removals:
        if removal.youtube_id is not None and removal.youtube_id in youtube:
            return True
        if imvdb is not None and removal.imvdb_id == imvdb:
            return True
        if removal.kind == found.kind.value and removal.version_key == found.version_key:
            existing = find_existing(found, [(removal.id, removal.title, removal.kind, removal.version_key)])
            if existing is not None:
                return True
    return False


async def plan(
    session: AsyncSession, artist: Artist, items: Sequence[SourceItem], filters: DiscoveryFilters
) -> list[Planned]:
    """What discovery would do with `items` for `artist` (reads only)."""
    found = group_items(artist.name, items)
    rows = (
        await session.execute(
            select(Video.id, Video.title, Video.kind, Video.version, Video.youtube_id, Video.imvdb_id).where(
                Video.artist_id == artist.id
            )
        )
    ).all()
    removals = (await session.execute(select(VideoRemoval).where(VideoRemoval.artist_id == artist.id))).scalars().all()
    wanted_keys = [f"youtube:{y}" for v in found for y in v.youtube_ids]
    blocked = set()
    for chunk in range(0, len(wanted_keys), 500):
        blocked |= set(
            (
                await session.execute(
                    select(BlocklistEntry.source_key).where(
                        BlocklistEntry.video_id.is_(None),
                        BlocklistEntry.source_key.in_(wanted_keys[chunk : chunk + 500]),
                    )
                )
            ).scalars()
        )
    by_youtube = {r.youtube_id: r.id for r in rows if r.youtube_id}
    by_imvdb = {r.imvdb_id: r.id for r in rows if r.imvdb_id}
    existing_rows = [(r.id, r.title, r.kind, r.version) for r in rows]
    added_on: date = artist.created_at.date()
    result: list[Planned] = []
    for video in found:
        imvdb = _imvdb_id(video)
        match = next((by_youtube[y] for y in video.youtube_ids if y in by_youtube), None)
        if match is None and imvdb is not None:
            match = by_imvdb.get(imvdb)
        if match is None:
            match = find_existing(video, existing_rows)
        if match is not None:
            result.append(Planned(video, "existing", video_id=match))
            continue
        if _removed(video, removals):
            result.append(Planned(video, "removed", "deleted earlier"))
            continue
        if video.youtube_ids and all(f"youtube:{y}" in blocked for y in video.youtube_ids):
            result.append(Planned(video, "removed", "its source is blocklisted"))
            continue
        reason = rejection(video, filters)
        if reason is None and artist.monitor_new and not released_since(video, added_on):
            reason = MONITOR_NEW_REASON
        result.append(Planned(video, "ignore" if reason else "add", reason))
    return result


def _sources(found: DiscoveredVideo) -> list[dict[str, str]]:
    sources: list[dict[str, str]] = []
    for item in found.items:
        if item.url:
            sources.append({"url": item.url, "kind": item.source})
        if item.youtube_id:
            sources.append({"url": YOUTUBE_WATCH + item.youtube_id, "kind": "youtube"})
    return list({s["url"]: s for s in sources}.values())


def _merge_sources(current: list[Any], extra: list[dict[str, str]]) -> list[Any]:
    known = {s.get("url") for s in current if isinstance(s, dict)}
    return [*current, *(s for s in extra if s["url"] not in known)]


async def apply(session: AsyncSession, artist: Artist, planned: Sequence[Planned], now: datetime) -> dict[str, int]:
    """Write a plan: create new videos (their ids set on the plan), attach new sources to existing ones.

    Flushes, never commits.
    """
    counts = {"added": 0, "ignored": 0, "updated": 0, "existing": 0, "removed": 0}
    created: list[tuple[Planned, Video]] = []
    for entry in planned:
        found = entry.video
        if entry.action == "removed":
            counts["removed"] += 1
            continue
        if entry.action == "existing":
            counts["existing"] += 1
            video = await session.get(Video, entry.video_id)
            if video is None:
                continue
            before = (list(video.sources), video.youtube_id, video.imvdb_id, video.song_key)
            video.sources = _merge_sources(list(video.sources), _sources(found))
            if video.youtube_id is None and found.youtube_ids:
                video.youtube_id = found.youtube_ids[0]
            if video.imvdb_id is None:
                video.imvdb_id = _imvdb_id(found)
            if video.song_key is None:
                video.song_key = song_key(video.title)
            if before != (list(video.sources), video.youtube_id, video.imvdb_id, video.song_key):
                counts["updated"] += 1
            continue
        video = Video(
            artist_id=artist.id,
            title=found.title,
            version=found.version,
            kind=found.kind.value,
            status=VideoStatus.WANTED if entry.action == "add" else VideoStatus.IGNORED,
            monitored=entry.action == "add",
            skip_reason=entry.reason,
            song_key=found.song_key,
            year=found.year,
            release_date=found.release_date,
            duration_s=found.duration_s,
            featured_artists=found.featured,
            youtube_id=found.youtube_ids[0] if found.youtube_ids else None,
            imvdb_id=_imvdb_id(found),
            sources=_sources(found),
            locked_fields=[],
            field_provenance={"discovery": found.sources},
            directors=[],
            producers=[],
            discovered_at=now,
        )
        derive_fields(video)
        session.add(video)
        created.append((entry, video))
        counts["added" if entry.action == "add" else "ignored"] += 1
    artist.last_discovered_at = now
    await session.flush()
    for entry, video in created:
        entry.video_id = video.id
    return counts


def preview(artist: Artist, planned: Sequence[Planned], collected: Collected) -> DiscoveryPreview:
    return DiscoveryPreview(
        artist_id=artist.id,
        sources_asked=collected.asked,
        source_errors=collected.errors,
        items=[
            PlannedVideo(
                title=p.video.title,
                version=p.video.version,
                kind=p.video.kind,
                song_key=p.video.song_key,
                action=p.action,
                reason=p.reason,
                video_id=p.video_id,
                year=p.video.year,
                release_date=p.video.release_date,
                duration_s=p.video.duration_s,
                youtube_ids=p.video.youtube_ids,
                sources=p.video.sources,
            )
            for p in planned
        ],
    )


# -- the wanted list, bulk status, calendar -------------------------------------------------------


async def list_wanted(session: AsyncSession, flt: WantedFilter, sort: str | None, page: PageParams) -> Page[WantedItem]:
    order = sort_clauses(sort, repository.WANTED_SORTABLE, default="-release_date", tiebreak=Video.id)
    first = (sort or "-release_date").split(",")[0].strip().lstrip("-+")
    nullable = repository.NULLABLE_SORT.get(first)
    if nullable is not None:
        # Unknown dates last on both databases (PostgreSQL sorts NULL first when descending).
        order = [nullable.is_(None).asc(), *order]
    rows, total = await repository.wanted_page(session, flt, await quality.default_profile_id(session), order, page)
    items = [
        WantedItem.model_validate({**row._asdict(), "artist": {"id": row.artist_id, "name": row.artist_name}})
        for row in rows
    ]
    return Page[WantedItem](items=items, total=total, page=page.page, page_size=page.page_size)


async def bulk_wanted(session: AsyncSession, body: WantedBulk) -> WantedBulkResult:
    ids = list(dict.fromkeys(body.video_ids))
    known = await repository.existing_ids(session, ids)
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFound(f"videos {', '.join(map(str, missing[:10]))} do not exist")
    changed = await repository.set_wanted_status(session, ids, body.action)
    return WantedBulkResult(changed=changed, unchanged=len(ids) - changed)


MAX_CALENDAR_DAYS = 366
MAX_CALENDAR_ITEMS = 2000


async def calendar(session: AsyncSession, start: date, end: date) -> list[CalendarItem]:
    if end < start:
        raise InvalidInput("end is before start", loc=("query", "end"), type_=CONFLICT)
    if (end - start).days > MAX_CALENDAR_DAYS:
        raise InvalidInput(f"a calendar spans at most {MAX_CALENDAR_DAYS} days", loc=("query", "end"), type_=CONFLICT)
    rows = await repository.calendar(session, start, end, MAX_CALENDAR_ITEMS)
    return [
        CalendarItem.model_validate({**row._asdict(), "artist": {"id": row.artist_id, "name": row.artist_name}})
        for row in rows
    ]


# -- starting discovery, and its dry run ----------------------------------------------------------


async def start_discover(
    session: AsyncSession, events: EventHub, clock: Clock, artist_id: int, user_id: int | None
) -> Job:
    await get_artist(session, artist_id)
    job, _created = await jobs.enqueue(
        session, events, ARTIST_DISCOVER, ArtistDiscoverParams(artist_id=artist_id), created_by=user_id, clock=clock
    )
    return job


async def preview_discovery(db: Database, providers: ProviderHub, artist_id: int) -> DiscoveryPreview:
    """What discovery would do now, asking the sources live; nothing is written."""
    async with db.reader() as session:
        artist = await get_artist(session, artist_id)
        ids = ArtistIds.of(artist)
    # No transaction is held while the providers answer (they may be rate limited).
    collected = await collect(providers, ids)
    async with db.reader() as session:
        artist = await get_artist(session, artist_id)
        filters = artist_filters(artist, await default_filters(session))
        planned = await plan(session, artist, collected.items, filters)
        return preview(artist, planned, collected)
