"""A channel monitor and a discovery finding the same song at the same moment make one video, not two.

The monitor's transaction is held open after it added the video; the discovery started meanwhile must
wait for it (PostgreSQL: the artist's row lock; SQLite: one writer at a time) and then see that video.
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.discovery import service
from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.discovery.grouping import SourceItem
from mvidarr.models import Monitor, Video
from mvidarr.monitors.extract import ListedItem
from mvidarr.monitors.service import record_items
from tests.discovery.test_service import NOW
from tests.factories import make_artist

pytestmark = pytest.mark.anyio

UPLOAD = ListedItem(
    item_id="HgzGwKwLmgM",
    title="Queen - Don't Stop Me Now (Official Video)",
    url="https://www.youtube.com/watch?v=HgzGwKwLmgM",
    youtube_id="HgzGwKwLmgM",
    release_date=None,
    duration_s=215,
    uploader="Queen Official",
)
# The same song as IMVDb spells it, without the YouTube id: only the title can tell it is the same.
LISTED = SourceItem("imvdb", "5001", "Dont Stop Me Now", year=1979)


async def _discover(db: Database, artist_id: int) -> str:
    async with db.writer() as session:
        artist = (await service.lock_artists(session, [artist_id]))[artist_id]
        [planned] = await service.plan(session, artist, [LISTED], DiscoveryFilters())
        await service.apply(session, artist, [planned], NOW)
        await session.commit()
    return planned.action


async def test_a_monitor_and_a_discovery_at_once_make_one_video(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    async with db.writer() as session:
        monitor = Monitor(name="Queen uploads", url="https://www.youtube.com/@queen", artist_id=artist["id"])
        session.add(monitor)
        await session.commit()

    actions: list[str] = []

    async def discover() -> None:
        actions.append(await _discover(db, artist["id"]))

    async with db.writer() as session:
        stored = await session.get(Monitor, monitor.id)
        assert stored is not None
        outcome = await record_items(session, stored, [UPLOAD], NOW)
        assert outcome.counts["added"] == 1
        async with anyio.create_task_group() as group:
            group.start_soon(discover)
            await anyio.sleep(0.5)
            assert actions == [], "the discovery went ahead while the monitor's transaction was open"
            await session.commit()
    assert actions == ["existing"]
    async with db.reader() as session:
        count = await session.scalar(select(func.count()).select_from(Video).where(Video.artist_id == artist["id"]))
    assert count == 1


async def test_a_monitor_waits_for_a_discovery_in_progress(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    async with db.writer() as session:
        monitor = Monitor(name="Queen uploads", url="https://www.youtube.com/@queen", artist_id=artist["id"])
        session.add(monitor)
        await session.commit()

    outcomes: list[dict[str, int]] = []

    async def check() -> None:
        async with db.writer() as session:
            stored = await session.get(Monitor, monitor.id)
            assert stored is not None
            outcomes.append(dict((await record_items(session, stored, [UPLOAD], NOW)).counts))
            await session.commit()

    async with db.writer() as session:
        locked = (await service.lock_artists(session, [artist["id"]]))[artist["id"]]
        [planned] = await service.plan(session, locked, [LISTED], DiscoveryFilters())
        await service.apply(session, locked, [planned], NOW)
        async with anyio.create_task_group() as group:
            group.start_soon(check)
            await anyio.sleep(0.5)
            assert outcomes == [], "the monitor went ahead while the discovery's transaction was open"
            await session.commit()
    assert outcomes == [{"existing": 1}]
    async with db.reader() as session:
        count = await session.scalar(select(func.count()).select_from(Video).where(Video.artist_id == artist["id"]))
    assert count == 1
