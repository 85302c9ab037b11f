"""Monitors: CRUD, and turning a check's listed items into videos (new items only, each remembered)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.discovery import service as discovery
from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.discovery.grouping import SourceItem
from mvidarr.errors import REFERENCE, InvalidInput, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.library.titles import parse_title
from mvidarr.models import Artist, Job, Monitor, MonitorItem
from mvidarr.monitors import repository
from mvidarr.monitors.extract import ListedItem
from mvidarr.monitors.schemas import (
    CHECK,
    MonitorCheckParams,
    MonitorCreate,
    MonitorItemPublic,
    MonitorPublic,
    MonitorUpdate,
)
from mvidarr.network.policy import NetworkPolicy

OUTCOMES = {"add": "added", "ignore": "ignored", "existing": "existing", "removed": "removed"}


class MonitorNotFound(NotFound):
    def __init__(self, monitor_id: int) -> None:
        super().__init__(f"monitor {monitor_id} does not exist")


async def get_monitor(session: AsyncSession, monitor_id: int) -> Monitor:
    monitor = await session.get(Monitor, monitor_id)
    if monitor is None:
        raise MonitorNotFound(monitor_id)
    return monitor


async def _check_artist(session: AsyncSession, artist_id: int | None) -> None:
    if artist_id is not None and await session.get(Artist, artist_id) is None:
        raise InvalidInput(f"artist {artist_id} does not exist", loc=("body", "artist_id"), type_=REFERENCE)


async def list_monitors(session: AsyncSession, params: PageParams) -> Page[MonitorPublic]:
    rows, total = await repository.page(session, params)
    items = [MonitorPublic.model_validate(m) for m in rows]
    return Page[MonitorPublic](items=items, total=total, page=params.page, page_size=params.page_size)


async def read_monitor(session: AsyncSession, monitor_id: int) -> MonitorPublic:
    return MonitorPublic.model_validate(await get_monitor(session, monitor_id))


async def create_monitor(session: AsyncSession, data: MonitorCreate, policy: NetworkPolicy) -> MonitorPublic:
    url = str(data.url)
    await policy.check_url(url)  # before the first statement: no transaction is open while it resolves
    await _check_artist(session, data.artist_id)
    monitor = Monitor(
        name=data.name or url[:255],
        url=url,
        artist_id=data.artist_id,
        filters=data.filters.model_dump(mode="json") if data.filters else None,
        check_interval_hours=data.check_interval_hours,
        auto_download=data.auto_download,
        enabled=data.enabled,
    )
    session.add(monitor)
    await session.flush()
    await session.refresh(monitor)
    return MonitorPublic.model_validate(monitor)


async def update_monitor(
    session: AsyncSession, monitor_id: int, data: MonitorUpdate, policy: NetworkPolicy
) -> MonitorPublic:
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True)
    if changes.get("url") is not None:
        await policy.check_url(changes["url"])
    monitor = await get_monitor(session, monitor_id)
    for required in ("url", "name", "check_interval_hours", "auto_download", "enabled"):
        if required in changes and changes[required] is None:
            raise InvalidInput(f"{required} cannot be null", loc=("body", required))
    if "artist_id" in changes:
        await _check_artist(session, changes["artist_id"])
    for key, value in changes.items():
        setattr(monitor, key, value)
    await session.flush()
    await session.refresh(monitor)
    return MonitorPublic.model_validate(monitor)


async def delete_monitor(session: AsyncSession, monitor_id: int) -> None:
    await session.delete(await get_monitor(session, monitor_id))
    await session.flush()


async def list_items(session: AsyncSession, monitor_id: int, params: PageParams) -> Page[MonitorItemPublic]:
    await get_monitor(session, monitor_id)
    rows, total = await repository.items_page(session, monitor_id, params)
    items = [MonitorItemPublic.model_validate(i) for i in rows]
    return Page[MonitorItemPublic](items=items, total=total, page=params.page, page_size=params.page_size)


async def start_check(
    session: AsyncSession, events: EventHub, clock: Clock, monitor_id: int, user_id: int | None
) -> Job:
    await get_monitor(session, monitor_id)
    job, _created = await jobs.enqueue(
        session, events, CHECK, MonitorCheckParams(monitor_id=monitor_id), created_by=user_id, clock=clock
    )
    return job


# -- a check ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class CheckOutcome:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    added_video_ids: list[int] = field(default_factory=list)


def _source_item(item: ListedItem, artist_name: str | None) -> SourceItem:
    return SourceItem(
        source="youtube",
        source_id=item.youtube_id or item.item_id,
        title=item.title,
        artist=artist_name,
        release_date=item.release_date,
        duration_s=item.duration_s,
        youtube_id=item.youtube_id,
        url=None if item.youtube_id else item.url,
    )


async def record_items(
    session: AsyncSession, monitor: Monitor, listed: list[ListedItem], now: datetime
) -> CheckOutcome:
    """Add videos for the items this monitor has not seen; every item is remembered with its outcome."""
    outcome = CheckOutcome()
    seen = await repository.seen_ids(session, monitor.id)
    fresh: list[tuple[ListedItem, int | None]] = []
    for item in listed:
        if item.item_id in seen:
            continue
        seen.add(item.item_id)
        artist_id = monitor.artist_id
        if artist_id is None:
            named = parse_title(item.title, uploader=item.uploader).artist
            found = await repository.artist_by_name(session, named) if named else None
            artist_id = found.id if found is not None else None
        fresh.append((item, artist_id))
    # Locked before any plan is made, so a discovery of the same artist running now cannot add the
    # same song in between (see discovery.lock_artists).
    artists = await discovery.lock_artists(session, [a for _, a in fresh if a is not None])
    default = await discovery.default_filters(session)
    own = DiscoveryFilters.model_validate(monitor.filters) if monitor.filters is not None else None
    for item, artist_id in fresh:
        artist = artists.get(artist_id) if artist_id is not None else None
        if artist is None:
            session.add(
                MonitorItem(
                    monitor_id=monitor.id, item_id=item.item_id, title=item.title, url=item.url,
                    outcome="unmatched", reason="no artist of that name in the library", seen_at=now,
                )
            )  # fmt: skip
            outcome.counts["unmatched"] += 1
            continue
        filters = own or discovery.artist_filters(artist, default)
        last_discovered = artist.last_discovered_at
        [planned] = await discovery.plan(session, artist, [_source_item(item, artist.name)], filters)
        await discovery.apply(session, artist, [planned], now)
        artist.last_discovered_at = last_discovered  # a monitor's item is not a discovery of the artist
        video_id = planned.video_id
        state = OUTCOMES[planned.action]
        session.add(
            MonitorItem(
                monitor_id=monitor.id, item_id=item.item_id, title=item.title, url=item.url,
                video_id=video_id, outcome=state, reason=planned.reason, seen_at=now,
            )
        )  # fmt: skip
        outcome.counts[state] += 1
        if state == "added" and video_id is not None:
            outcome.added_video_ids.append(video_id)
    monitor.last_checked_at = now
    monitor.last_error = None
    await session.flush()
    return outcome
