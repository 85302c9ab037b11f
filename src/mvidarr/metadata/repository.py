"""Enrichment queries: what is due, and the review list."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import Artist, Job, MatchReview, Video
from mvidarr.models.job import ACTIVE_STATUSES


async def due_ids(
    session: AsyncSession,
    kind: Literal["artist", "video"],
    *,
    due_before: datetime | None,
    only_due: bool,
    after_id: int,
    limit: int,
) -> list[int]:
    """Ids after `after_id` (keyset paging) never enriched, or enriched before `due_before`."""
    model: Any = Artist if kind == "artist" else Video
    stmt = select(model.id).where(model.id > after_id)
    if only_due:
        never = model.last_enriched_at.is_(None)
        stmt = stmt.where(or_(never, model.last_enriched_at < due_before) if due_before is not None else never)
    return list((await session.scalars(stmt.order_by(model.id).limit(limit))).all())


async def review_page(
    session: AsyncSession,
    kind: Literal["artist", "video"] | None,
    offset: int,
    limit: int,
    *,
    video_id: int | None = None,
    artist_id: int | None = None,
) -> tuple[list[Any], int]:
    """Review rows with the video title / artist name they concern, closest match first (quickest to confirm)."""
    where: list[ColumnElement[bool]] = []
    if kind == "video":
        where.append(MatchReview.video_id.is_not(None))
    elif kind == "artist":
        where.append(MatchReview.artist_id.is_not(None))
    if video_id is not None:
        where.append(MatchReview.video_id == video_id)
    if artist_id is not None:
        where.append(MatchReview.artist_id == artist_id)
    total = await session.scalar(select(func.count()).select_from(MatchReview).where(*where))
    video_artist = Artist.__table__.alias("video_artist")
    stmt = (
        select(
            MatchReview,
            Video.title.label("video_title"),
            video_artist.c.id.label("video_artist_id"),
            video_artist.c.name.label("video_artist_name"),
            Artist.name.label("artist_name"),
        )
        .outerjoin(Video, Video.id == MatchReview.video_id)
        .outerjoin(video_artist, video_artist.c.id == Video.artist_id)
        .outerjoin(Artist, Artist.id == MatchReview.artist_id)
        .where(*where)
        .order_by(MatchReview.best_confidence.desc(), MatchReview.id)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all()), int(total or 0)


async def review_for(
    session: AsyncSession, *, video_id: int | None = None, artist_id: int | None = None
) -> MatchReview | None:
    column = MatchReview.video_id if video_id is not None else MatchReview.artist_id
    key = video_id if video_id is not None else artist_id
    return (await session.execute(select(MatchReview).where(column == key))).scalar_one_or_none()


async def active_jobs(session: AsyncSession, ids: list[int]) -> int:
    """How many of these jobs are still queued or running."""
    if not ids:
        return 0
    return int(await session.scalar(select(func.count()).where(Job.id.in_(ids), Job.status.in_(ACTIVE_STATUSES))) or 0)
