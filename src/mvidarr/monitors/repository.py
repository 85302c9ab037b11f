"""Monitor queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.kit.text import identity_key
from mvidarr.models import Artist, Monitor, MonitorItem


async def page(session: AsyncSession, params: PageParams) -> tuple[Sequence[Monitor], int]:
    total = int(await session.scalar(select(func.count()).select_from(Monitor)) or 0)
    rows = (
        await session.execute(select(Monitor).order_by(Monitor.id).offset(params.offset).limit(params.page_size))
    ).scalars()
    return list(rows), total


async def items_page(session: AsyncSession, monitor_id: int, params: PageParams) -> tuple[Sequence[MonitorItem], int]:
    where = MonitorItem.monitor_id == monitor_id
    total = int(await session.scalar(select(func.count()).select_from(MonitorItem).where(where)) or 0)
    rows = (
        await session.execute(
            select(MonitorItem)
            .where(where)
            .order_by(MonitorItem.seen_at.desc(), MonitorItem.id.desc())
            .offset(params.offset)
            .limit(params.page_size)
        )
    ).scalars()
    return list(rows), total


async def seen_ids(session: AsyncSession, monitor_id: int) -> set[str]:
    rows = await session.execute(select(MonitorItem.item_id).where(MonitorItem.monitor_id == monitor_id))
    return set(rows.scalars())


async def artist_by_name(session: AsyncSession, name: str) -> Artist | None:
    """The library artist of that name, when exactly one has it (namesakes are not guessed)."""
    found = list(
        (await session.execute(select(Artist).where(Artist.name_key == identity_key(name)).limit(2))).scalars()
    )
    return found[0] if len(found) == 1 else None


async def due(session: AsyncSession, now: datetime) -> list[int]:
    rows = (
        await session.execute(
            select(Monitor.id, Monitor.last_checked_at, Monitor.check_interval_hours)
            .where(Monitor.enabled.is_(True))
            .order_by(Monitor.last_checked_at.is_not(None), Monitor.last_checked_at, Monitor.id)
        )
    ).all()
    return [
        r.id
        for r in rows
        if r.last_checked_at is None or (now - r.last_checked_at).total_seconds() >= r.check_interval_hours * 3600
    ]
