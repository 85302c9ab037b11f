"""Watched-state sync queries: links, the files a link matches by path, the agreed state per video."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import MediaFile, MediaServerConnection, RootFolder, User, WatchState, WatchSyncItem, WatchSyncLink


@dataclass(frozen=True, slots=True)
class LocalFile:
    video_id: int
    path: str


async def links(session: AsyncSession, connection_id: int | None, *, enabled_only: bool) -> list[WatchSyncLink]:
    stmt = (
        select(WatchSyncLink)
        .join(MediaServerConnection, MediaServerConnection.id == WatchSyncLink.connection_id)
        .order_by(WatchSyncLink.connection_id, WatchSyncLink.id)
    )
    if connection_id is not None:
        stmt = stmt.where(WatchSyncLink.connection_id == connection_id)
    if enabled_only:
        stmt = stmt.where(WatchSyncLink.enabled.is_(True), MediaServerConnection.enabled.is_(True))
    return list((await session.execute(stmt)).scalars())


async def usernames(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    return {int(r[0]): str(r[1]) for r in rows}


async def user_exists(session: AsyncSession, user_id: int) -> bool:
    return await session.scalar(select(User.id).where(User.id == user_id)) is not None


async def count_files(session: AsyncSession) -> int:
    current = (MediaFile.is_current.is_(True), MediaFile.video_id.is_not(None))
    stmt = select(func.count()).select_from(MediaFile).where(*current)
    return int(await session.scalar(stmt) or 0)


async def files_after(session: AsyncSession, after_id: int, limit: int) -> tuple[list[LocalFile], int]:
    """The next `limit` current files with a video (keyset by id) as absolute paths; the last id read."""
    stmt = (
        select(MediaFile.id, MediaFile.video_id, RootFolder.path, MediaFile.relative_path)
        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
        .where(MediaFile.is_current.is_(True), MediaFile.video_id.is_not(None), MediaFile.id > after_id)
        .order_by(MediaFile.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    files = [LocalFile(int(r[1] or 0), posixpath.join(r[2], r[3])) for r in rows]
    return files, int(rows[-1][0]) if rows else after_id


async def local_states(session: AsyncSession, user_id: int, video_ids: Sequence[int]) -> dict[int, WatchState]:
    stmt = select(WatchState).where(WatchState.user_id == user_id, WatchState.video_id.in_(video_ids))
    return {row.video_id: row for row in (await session.execute(stmt)).scalars()}


async def agreed(session: AsyncSession, link_id: int, video_ids: Sequence[int]) -> dict[int, WatchSyncItem]:
    stmt = select(WatchSyncItem).where(WatchSyncItem.link_id == link_id, WatchSyncItem.video_id.in_(video_ids))
    return {row.video_id: row for row in (await session.execute(stmt)).scalars()}


async def save_agreed(
    session: AsyncSession, link_id: int, video_id: int, *, watched: bool, position_s: float, now: datetime
) -> None:
    insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"watched": watched, "position_s": position_s, "synced_at": now}
    stmt = insert(WatchSyncItem).values(link_id=link_id, video_id=video_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["link_id", "video_id"], set_=values))


async def pull_state(
    session: AsyncSession,
    user_id: int,
    seen: WatchState | None,
    video_id: int,
    *,
    watched: bool,
    position_s: float,
    last_played_at: datetime | None,
) -> bool:
    """Take the server's state for the video unless the user's own changed since it was read (a play
    going on meanwhile wins; the next sync settles it). False when it was not taken."""
    values = {"watched": watched, "position_s": position_s, "last_played_at": last_played_at}
    if seen is None:
        insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        new = insert(WatchState).values(user_id=user_id, video_id=video_id, play_count=0, favourite=False, **values)
        done = await session.execute(new.on_conflict_do_nothing(index_elements=["user_id", "video_id"]))
    else:
        done = await session.execute(
            update(WatchState)
            .where(
                WatchState.id == seen.id,
                WatchState.watched == seen.watched,
                WatchState.position_s == seen.position_s,
                WatchState.last_played_at.is_not_distinct_from(seen.last_played_at),
            )
            .values(**values)
        )
    return bool(getattr(done, "rowcount", 0) == 1)
