"""Watch history queries. Buffered progress reports are written as two batched UPDATEs by key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Float, Integer, Row, Table, bindparam, case, distinct, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import UTCDateTime
from mvidarr.kit.queries import AnySelect
from mvidarr.models import PlayEvent, Video, WatchState
from mvidarr.playlists.repository import VIDEO_COLUMNS, with_video


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def upsert_state(session: AsyncSession, user_id: int, video_id: int, **changes: Any) -> None:
    """Create the user's state of the video with `changes`, or apply them to the existing one
    (values may be SQL expressions over the row, e.g. `WatchState.play_count + 1`)."""
    initial = {"position_s": 0.0, "watched": False, "play_count": 0, "favourite": False}
    for key, value in changes.items():
        if not hasattr(value, "compile"):
            initial[key] = value
    if "play_count" in changes:
        initial["play_count"] = 1
    stmt = _insert(session)(WatchState).values(user_id=user_id, video_id=video_id, **initial)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "video_id"], set_=changes)
    await session.execute(stmt)


async def start_play(session: AsyncSession, user_id: int, video_id: int, now: datetime) -> PlayEvent:
    event = PlayEvent(user_id=user_id, video_id=video_id, started_at=now, updated_at=now)
    session.add(event)
    await upsert_state(session, user_id, video_id, play_count=WatchState.play_count + 1, last_played_at=now)
    await session.flush()
    return event


async def resume_position(session: AsyncSession, user_id: int, video_id: int) -> float:
    stmt = select(WatchState.position_s).where(WatchState.user_id == user_id, WatchState.video_id == video_id)
    return float(await session.scalar(stmt) or 0.0)


async def report_progress(
    session: AsyncSession,
    user_id: int,
    play_id: int,
    *,
    position_s: float,
    duration_s: float | None,
    completed: bool,
    now: datetime,
) -> int | None:
    """Record where a play is; the video id, or None when the play is not the user's."""
    video_id = await session.scalar(
        update(PlayEvent)
        .where(PlayEvent.id == play_id, PlayEvent.user_id == user_id)
        .values(position_s=position_s, updated_at=now, completed=PlayEvent.completed | completed)
        .returning(PlayEvent.video_id)
    )
    if video_id is None:
        return None
    values: dict[str, Any] = {"position_s": 0.0 if completed else position_s, "last_played_at": now}
    if duration_s is not None:
        values["duration_s"] = duration_s
    if completed:
        values["watched"] = True
    await session.execute(
        update(WatchState).where(WatchState.user_id == user_id, WatchState.video_id == video_id).values(**values)
    )
    return int(video_id)


@dataclass(frozen=True, slots=True)
class PositionReport:
    """The latest unwritten position of one play (see mvidarr.watch.progress)."""

    play_id: int
    user_id: int
    video_id: int
    position_s: float
    duration_s: float | None
    at: datetime


async def play_video(session: AsyncSession, play_id: int, user_id: int) -> int | None:
    """The video of the user's play; None when the play is not theirs."""
    stmt = select(PlayEvent.video_id).where(PlayEvent.id == play_id, PlayEvent.user_id == user_id)
    video_id = await session.scalar(stmt)
    return None if video_id is None else int(video_id)


async def apply_progress(session: AsyncSession, reports: Sequence[PositionReport]) -> None:
    """Write buffered positions: each play's row, then its user's state of the video, in two
    executemany UPDATEs. A report older than what the play's row already holds (a newer report or
    a finish written by another process meanwhile) changes neither."""
    if not reports:
        return
    # Core statements: a list of parameters runs them as one executemany (an ORM UPDATE would not).
    plays, states = cast(Table, PlayEvent.__table__), cast(Table, WatchState.__table__)
    play_id, user_id = bindparam("b_play", type_=Integer()), bindparam("b_user", type_=Integer())
    at, position = bindparam("b_at", type_=UTCDateTime()), bindparam("b_position", type_=Float())
    to_play = (
        update(plays)
        .where(plays.c.id == play_id, plays.c.user_id == user_id, plays.c.updated_at <= at)
        .values(position_s=position, updated_at=at)
    )
    # Applied only where the play's row now says `at`: its own report won.
    to_state = (
        update(states)
        .where(
            states.c.user_id == user_id,
            states.c.video_id == bindparam("b_video", type_=Integer()),
            exists().where(plays.c.id == play_id, plays.c.updated_at == at),
        )
        .values(
            position_s=position,
            duration_s=func.coalesce(bindparam("b_duration", type_=Float()), states.c.duration_s),
            last_played_at=case((states.c.last_played_at > at, states.c.last_played_at), else_=at),
        )
    )
    rows = [
        {"b_play": r.play_id, "b_user": r.user_id, "b_video": r.video_id, "b_at": r.at, "b_position": r.position_s,
         "b_duration": r.duration_s}
        for r in reports
    ]  # fmt: skip
    await session.execute(to_play, [{k: row[k] for k in ("b_play", "b_user", "b_at", "b_position")} for row in rows])
    await session.execute(to_state, rows)


async def state(session: AsyncSession, user_id: int, video_id: int) -> WatchState | None:
    stmt = select(WatchState).where(WatchState.user_id == user_id, WatchState.video_id == video_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def _videos(*columns: Any) -> AnySelect:
    return with_video(select(*columns, *VIDEO_COLUMNS).select_from(Video))


async def history_page(session: AsyncSession, user_id: int, *, offset: int, limit: int) -> tuple[list[Row[Any]], int]:
    stmt = (
        _videos(PlayEvent.id.label("play_id"), PlayEvent.started_at, PlayEvent.updated_at,
                PlayEvent.position_s.label("play_position_s"), PlayEvent.completed)
        .join(PlayEvent, PlayEvent.video_id == Video.id)
        .where(PlayEvent.user_id == user_id)
        .order_by(PlayEvent.started_at.desc(), PlayEvent.id.desc())
        .offset(offset)
        .limit(limit)
    )  # fmt: skip
    total = await session.scalar(select(func.count()).select_from(PlayEvent).where(PlayEvent.user_id == user_id))
    return list((await session.execute(stmt)).all()), int(total or 0)


async def continue_watching(
    session: AsyncSession, user_id: int, *, min_position_s: float, limit: int
) -> list[Row[Any]]:
    stmt = (
        _videos(WatchState.position_s.label("resume_s"), WatchState.duration_s.label("seen_duration_s"),
                WatchState.last_played_at)
        .join(WatchState, WatchState.video_id == Video.id)
        .where(WatchState.user_id == user_id, WatchState.position_s >= min_position_s)
        .order_by(WatchState.last_played_at.desc(), WatchState.id.desc())
        .limit(limit)
    )  # fmt: skip
    return list((await session.execute(stmt)).all())


async def favourites_page(
    session: AsyncSession, user_id: int, *, offset: int, limit: int
) -> tuple[list[Row[Any]], int]:
    where = (WatchState.user_id == user_id, WatchState.favourite.is_(True))
    stmt = (
        _videos(WatchState.favourited_at)
        .join(WatchState, WatchState.video_id == Video.id)
        .where(*where)
        .order_by(WatchState.favourited_at.desc(), WatchState.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(WatchState).where(*where))
    return list((await session.execute(stmt)).all()), int(total or 0)


async def totals(session: AsyncSession) -> dict[str, int]:
    plays = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((PlayEvent.completed.is_(True), 1), else_=0)), 0),
                func.count(distinct(PlayEvent.user_id)),
                func.count(distinct(PlayEvent.video_id)),
            )
        )
    ).one()
    favourites = await session.scalar(
        select(func.count()).select_from(WatchState).where(WatchState.favourite.is_(True))
    )
    return {
        "plays": int(plays[0]), "completed": int(plays[1]), "viewers": int(plays[2]),
        "videos_played": int(plays[3]), "favourites": int(favourites or 0),
    }  # fmt: skip


async def top_videos(session: AsyncSession, limit: int) -> list[Row[Any]]:
    counts = (
        select(
            WatchState.video_id,
            func.sum(WatchState.play_count).label("plays"),
            func.count().label("viewers"),
            func.max(WatchState.last_played_at).label("last_played"),
        )
        .where(WatchState.play_count > 0)
        .group_by(WatchState.video_id)
        .subquery()
    )
    stmt = (
        _videos(counts.c.plays, counts.c.viewers, counts.c.last_played)
        .join(counts, counts.c.video_id == Video.id)
        .order_by(counts.c.plays.desc(), Video.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


async def video_exists(session: AsyncSession, video_id: int) -> bool:
    return await session.scalar(select(Video.id).where(Video.id == video_id)) is not None
