"""Playlist queries: entries of manual playlists by position, of smart ones by their rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import sort_clauses
from mvidarr.kit.queries import AnySelect
from mvidarr.models import Artist, MediaFile, Playlist, PlaylistItem, User, Video, WatchState
from mvidarr.playlists.schemas import PlaylistVideo, SmartRule
from mvidarr.videos import repository as videos
from mvidarr.videos.repository import SORTABLE

SMART_DEFAULT_SORT = "-created_at"
VIDEO_COLUMNS = (
    Video.id,
    Artist.id.label("artist_id"),
    Artist.name.label("artist_name"),
    Video.title,
    Video.version,
    Video.kind,
    Video.status,
    Video.year,
    Video.duration_s,
    MediaFile.quality_label,
    MediaFile.id.label("file_id"),
    Video.thumbnail_path,
)


def with_video(stmt: AnySelect) -> AnySelect:
    return stmt.join(Artist, Artist.id == Video.artist_id).outerjoin(
        MediaFile, and_(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True))
    )


def video_of(row: Row[Any]) -> PlaylistVideo:
    return PlaylistVideo.model_validate(
        {
            "id": row.id,
            "artist": {"id": row.artist_id, "name": row.artist_name},
            "title": row.title,
            "version": row.version,
            "kind": row.kind,
            "status": row.status,
            "year": row.year,
            "duration_s": row.duration_s,
            "quality_label": row.quality_label,
            "has_file": row.file_id is not None,
            "has_thumbnail": row.thumbnail_path is not None,
        }
    )


def _viewer_state(user_id: int, column: Any) -> Any:
    return select(WatchState.video_id).where(WatchState.user_id == user_id, column.is_(True))


def _smart_where(stmt: AnySelect, rule: SmartRule, viewer_id: int) -> AnySelect:
    stmt = videos.matching(stmt, rule.to_filter(), file_joined=True)
    if rule.watched is not None:
        watched = Video.id.in_(_viewer_state(viewer_id, WatchState.watched))
        stmt = stmt.where(watched if rule.watched else ~watched)
    if rule.favourite is not None:
        favourite = Video.id.in_(_viewer_state(viewer_id, WatchState.favourite))
        stmt = stmt.where(favourite if rule.favourite else ~favourite)
    if rule.added_since is not None:
        stmt = stmt.where(Video.created_at >= rule.added_since)
    return stmt


def smart_order(rule: SmartRule) -> list[Any]:
    return sort_clauses(rule.sort, SORTABLE, default=SMART_DEFAULT_SORT, tiebreak=Video.id)


async def smart_page(
    session: AsyncSession, rule: SmartRule, viewer_id: int, *, offset: int, limit: int
) -> list[Row[Any]]:
    """The rule's videos, in its order, for the viewer (watched and favourite are theirs)."""
    stmt = _smart_where(with_video(select(*VIDEO_COLUMNS).select_from(Video)), rule, viewer_id)
    stmt = stmt.order_by(*smart_order(rule)).offset(offset).limit(limit)
    return list((await session.execute(stmt)).all())


async def smart_count(session: AsyncSession, rule: SmartRule, viewer_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Video)
        .outerjoin(MediaFile, and_(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True)))
    )
    return int(await session.scalar(_smart_where(stmt, rule, viewer_id)) or 0)


async def smart_ids(session: AsyncSession, rule: SmartRule, viewer_id: int, limit: int) -> list[int]:
    stmt = _smart_where(
        select(Video.id)
        .select_from(Video)
        .join(Artist, Artist.id == Video.artist_id)
        .outerjoin(MediaFile, and_(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True))),
        rule,
        viewer_id,
    )
    return list((await session.execute(stmt.order_by(*smart_order(rule)).limit(limit))).scalars())


async def item_page(session: AsyncSession, playlist_id: int, *, offset: int, limit: int) -> list[Row[Any]]:
    stmt = with_video(
        select(PlaylistItem.id.label("item_id"), PlaylistItem.position, PlaylistItem.note, PlaylistItem.added_at,
               *VIDEO_COLUMNS).select_from(PlaylistItem).join(Video, Video.id == PlaylistItem.video_id)
    )  # fmt: skip
    stmt = stmt.where(PlaylistItem.playlist_id == playlist_id).order_by(PlaylistItem.position, PlaylistItem.id)
    return list((await session.execute(stmt.offset(offset).limit(limit))).all())


async def item_count(session: AsyncSession, playlist_id: int) -> int:
    stmt = select(func.count()).select_from(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id)
    return int(await session.scalar(stmt) or 0)


async def item_video_ids(session: AsyncSession, playlist_id: int) -> list[int]:
    stmt = select(PlaylistItem.video_id).where(PlaylistItem.playlist_id == playlist_id)
    return list((await session.execute(stmt.order_by(PlaylistItem.position, PlaylistItem.id))).scalars())


async def item_ids_in_order(session: AsyncSession, playlist_id: int) -> list[int]:
    stmt = select(PlaylistItem.id).where(PlaylistItem.playlist_id == playlist_id)
    return list((await session.execute(stmt.order_by(PlaylistItem.position, PlaylistItem.id))).scalars())


async def shift(session: AsyncSession, playlist_id: int, *, start: int, end: int | None, by: int) -> None:
    """Move the entries at positions start..end (inclusive; no end: to the last) by `by` places."""
    where = [PlaylistItem.playlist_id == playlist_id, PlaylistItem.position >= start]
    if end is not None:
        where.append(PlaylistItem.position <= end)
    await session.execute(update(PlaylistItem).where(*where).values(position=PlaylistItem.position + by))


async def insert_items(
    session: AsyncSession, playlist_id: int, video_ids: Sequence[int], *, first_position: int, note: str | None
) -> None:
    rows = [
        {"playlist_id": playlist_id, "video_id": video_id, "position": first_position + n, "note": note}
        for n, video_id in enumerate(video_ids)
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(PlaylistItem), rows[start : start + 1000])


async def set_positions(session: AsyncSession, playlist_id: int, item_ids: Sequence[int]) -> None:
    await session.execute(
        update(PlaylistItem),
        [{"id": item_id, "position": n} for n, item_id in enumerate(item_ids)],
    )


async def delete_item(session: AsyncSession, item_id: int) -> None:
    await session.execute(delete(PlaylistItem).where(PlaylistItem.id == item_id))


async def present_video_ids(session: AsyncSession, playlist_id: int, video_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(video_ids), 1000):
        stmt = select(PlaylistItem.video_id).where(
            PlaylistItem.playlist_id == playlist_id, PlaylistItem.video_id.in_(list(video_ids[start : start + 1000]))
        )
        found.update((await session.execute(stmt)).scalars())
    return found


async def existing_video_ids(session: AsyncSession, video_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(video_ids), 1000):
        stmt = select(Video.id).where(Video.id.in_(list(video_ids[start : start + 1000])))
        found.update((await session.execute(stmt)).scalars())
    return found


def visible_to(user_id: int, *, everything: bool) -> Any:
    """Playlists a user may read: their own and public ones (an admin: all)."""
    if everything:
        return True
    return (Playlist.owner_id == user_id) | Playlist.public.is_(True)


async def playlist_page(
    session: AsyncSession, where: Sequence[Any], order_by: Sequence[Any], *, offset: int, limit: int
) -> tuple[list[tuple[Playlist, str, int | None]], int]:
    count = select(func.count()).select_from(Playlist).where(*where)
    items = select(func.count()).where(PlaylistItem.playlist_id == Playlist.id).correlate(Playlist).scalar_subquery()
    stmt = (
        select(Playlist, User.username, items.label("n"))
        .join(User, User.id == Playlist.owner_id)
        .where(*where)
        .order_by(*order_by)
        .offset(offset)
        .limit(limit)
    )
    rows = [(row[0], row[1], row[2]) for row in (await session.execute(stmt)).all()]
    return rows, int(await session.scalar(count) or 0)
