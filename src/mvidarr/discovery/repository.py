"""Queries of the wanted list and the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams, SortColumn
from mvidarr.models import Artist, MediaFile, Video, VideoStatus
from mvidarr.quality.repository import cutoff_unmet_query

WANTED_SORTABLE: dict[str, SortColumn] = {
    "release_date": Video.release_date,
    "year": Video.year,
    "title": Video.sort_key,
    "artist": Artist.sort_key,
    "discovered_at": Video.discovered_at,
    "created_at": Video.created_at,
}
NULLABLE_SORT: dict[str, Any] = {
    "release_date": Video.release_date,
    "year": Video.year,
    "discovered_at": Video.discovered_at,
}


def _has_file() -> ColumnElement[bool]:
    return exists().where(
        MediaFile.video_id == Video.id, MediaFile.is_current.is_(True), MediaFile.missing_at.is_(None)
    )


@dataclass(frozen=True, slots=True)
class WantedFilter:
    cutoff_unmet: bool = False
    artist_id: int | None = None
    year: int | None = None
    kind: str | None = None


async def wanted_page(
    session: AsyncSession,
    flt: WantedFilter,
    default_profile_id: int | None,
    order_by: Sequence[Any],
    page: PageParams,
) -> tuple[Sequence[Any], int]:
    where: list[ColumnElement[bool]] = []
    label: Any
    if flt.cutoff_unmet:
        unmet = cutoff_unmet_query(default_profile_id, flt.artist_id).subquery()
        where.append(Video.id.in_(select(unmet.c.video_id)))
        label = (
            select(MediaFile.quality_label)
            .where(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True), MediaFile.missing_at.is_(None))
            .limit(1)
            .scalar_subquery()
        )
    else:
        # Wanted videos, and downloaded ones whose file went missing from disk (status `missing`).
        where += [Video.status.in_((VideoStatus.WANTED, VideoStatus.MISSING)), ~_has_file()]
        label = cast(null(), String(8))
    if flt.artist_id is not None:
        where.append(Video.artist_id == flt.artist_id)
    if flt.year is not None:
        where.append(Video.year == flt.year)
    if flt.kind is not None:
        where.append(Video.kind == flt.kind)
    base = select(Video.id).join(Artist, Artist.id == Video.artist_id).where(*where)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    rows = (
        await session.execute(
            select(
                Video.id,
                Video.artist_id,
                Artist.name.label("artist_name"),
                Video.title,
                Video.version,
                Video.kind,
                Video.status,
                Video.song_key,
                Video.year,
                Video.release_date,
                label.label("quality_label"),
                Video.discovered_at,
            )
            .join(Artist, Artist.id == Video.artist_id)
            .where(*where)
            .order_by(*order_by)
            .offset(page.offset)
            .limit(page.page_size)
        )
    ).all()
    return rows, total


async def set_wanted_status(session: AsyncSession, video_ids: Sequence[int], action: str) -> int:
    """Ignore or want the videos that are not in that state yet; a video with a file keeps its status."""
    if action == "ignore":
        stmt = (
            update(Video)
            .where(Video.id.in_(video_ids), Video.status != VideoStatus.IGNORED, ~_has_file())
            .values(status=VideoStatus.IGNORED, monitored=False)
        )
    else:
        stmt = (
            update(Video)
            .where(
                Video.id.in_(video_ids),
                Video.status.in_(
                    [VideoStatus.IGNORED]
                    if action == "unignore"
                    else [VideoStatus.IGNORED, VideoStatus.MISSING, VideoStatus.FAILED]
                ),
                ~_has_file(),
            )
            .values(status=VideoStatus.WANTED, monitored=True, skip_reason=None)
        )
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def existing_ids(session: AsyncSession, video_ids: Sequence[int]) -> set[int]:
    return set((await session.execute(select(Video.id).where(Video.id.in_(video_ids)))).scalars())


async def calendar(session: AsyncSession, start: date, end: date, limit: int) -> Sequence[Any]:
    return (
        await session.execute(
            select(
                Video.id,
                Video.artist_id,
                Artist.name.label("artist_name"),
                Video.title,
                Video.version,
                Video.kind,
                Video.status,
                Video.release_date,
            )
            .join(Artist, Artist.id == Video.artist_id)
            .where(
                and_(Video.release_date >= start, Video.release_date <= end),
                Artist.monitored.is_(True),
                Video.status != VideoStatus.IGNORED,
            )
            .order_by(Video.release_date, Artist.sort_key, Video.sort_key, Video.id)
            .limit(limit)
        )
    ).all()
