"""Quality queries: profiles, current files with their judge, and the library summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from mvidarr.kit.pagination import PageParams, SortColumn
from mvidarr.kit.queries import AnySelect
from mvidarr.models import Artist, MediaFile, QualityProfile, Video
from mvidarr.quality.scoring import LABEL_ORDER

# SD = 0 ... 2160p = 8; unknown labels (unreadable files) rank below everything.
RANKS = {label: len(LABEL_ORDER) - 1 - index for index, label in enumerate(LABEL_ORDER)}


def _rank(column: InstrumentedAttribute[Any] | InstrumentedAttribute[str | None]) -> ColumnElement[int]:
    return case(RANKS, value=column, else_=-1)


def _present() -> ColumnElement[bool]:
    return and_(MediaFile.is_current.is_(True), MediaFile.missing_at.is_(None))


async def profiles(session: AsyncSession) -> Sequence[QualityProfile]:
    return (await session.execute(select(QualityProfile).order_by(QualityProfile.id))).scalars().all()


async def profile_by_name(session: AsyncSession, name: str, exclude_id: int | None = None) -> QualityProfile | None:
    stmt = select(QualityProfile).where(func.lower(QualityProfile.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(QualityProfile.id != exclude_id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def artist_counts(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(Artist.quality_profile_id, func.count())
        .where(Artist.quality_profile_id.is_not(None))
        .group_by(Artist.quality_profile_id)
    )
    return {int(k): int(v) for k, v in rows.all() if k is not None}


async def current_file(session: AsyncSession, video_id: int) -> MediaFile | None:
    stmt = select(MediaFile).where(MediaFile.video_id == video_id, _present()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


CUTOFF_SORTABLE: dict[str, SortColumn] = {
    # Unreadable files have no score: they sort as the worst on both databases.
    "score": func.coalesce(MediaFile.quality_score, -1.0),
    "quality_score": func.coalesce(MediaFile.quality_score, -1.0),
    "title": Video.sort_key,
    "artist": Artist.sort_key,
    "created_at": Video.created_at,
}


def _cutoff_unmet(default_profile_id: int | None, artist_id: int | None, profile_id: int | None) -> AnySelect:
    profile_of = func.coalesce(Artist.quality_profile_id, literal(default_profile_id))
    stmt = (
        select(
            Video.id.label("video_id"),
            Video.title,
            Artist.id.label("artist_id"),
            Artist.name.label("artist_name"),
            MediaFile.id.label("file_id"),
            MediaFile.quality_label,
            MediaFile.quality_score,
            QualityProfile.id.label("profile_id"),
            QualityProfile.name.label("profile_name"),
            QualityProfile.cutoff,
            QualityProfile.allowed_labels,
            QualityProfile.upgrade_allowed,
        )
        .select_from(Video)
        .join(Artist, Artist.id == Video.artist_id)
        .join(MediaFile, and_(MediaFile.video_id == Video.id, _present()))
        .join(QualityProfile, QualityProfile.id == profile_of)
        .where(QualityProfile.upgrade_allowed.is_(True), _rank(MediaFile.quality_label) < _rank(QualityProfile.cutoff))
    )
    if artist_id is not None:
        stmt = stmt.where(Artist.id == artist_id)
    if profile_id is not None:
        stmt = stmt.where(QualityProfile.id == profile_id)
    return stmt


async def cutoff_unmet_page(
    session: AsyncSession,
    *,
    default_profile_id: int | None,
    artist_id: int | None,
    profile_id: int | None,
    order_by: Sequence[Any],
    page: PageParams,
) -> tuple[Sequence[Row[Any]], int]:
    stmt = _cutoff_unmet(default_profile_id, artist_id, profile_id)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = (await session.execute(stmt.order_by(*order_by).offset(page.offset).limit(page.page_size))).all()
    return rows, int(total or 0)


_BUCKET_COLUMNS = {
    "by_label": MediaFile.quality_label,
    "by_video_codec": MediaFile.video_codec,
    "by_audio_codec": MediaFile.audio_codec,
    "by_container": MediaFile.container,
    "by_hdr": MediaFile.hdr,
}


def _scope(stmt: AnySelect, artist_id: int | None) -> AnySelect:
    stmt = stmt.select_from(MediaFile).where(_present())
    if artist_id is not None:
        stmt = stmt.join(Video, Video.id == MediaFile.video_id).where(Video.artist_id == artist_id)
    return stmt


async def summary(session: AsyncSession, artist_id: int | None) -> dict[str, Any]:
    """Totals and the bucket counts, from one scan: the files are grouped by every bucket column at
    once (a few hundred combinations at most) and the buckets are summed from those groups."""
    columns = list(_BUCKET_COLUMNS.values())
    stmt = _scope(
        select(
            *columns,
            func.count(),
            func.coalesce(func.sum(MediaFile.size), 0),
            func.coalesce(func.sum(MediaFile.duration_s), 0.0),
            func.count(MediaFile.probe_error),
        ),
        artist_id,
    ).group_by(*columns)
    groups = (await session.execute(stmt)).all()
    width = len(columns)
    files = size = unreadable = 0
    seconds = 0.0
    buckets: dict[str, dict[Any, list[float]]] = {name: {} for name in _BUCKET_COLUMNS}
    for row in groups:
        count, total, duration, errors = (
            int(row[width]),
            int(row[width + 1]),
            float(row[width + 2]),
            int(row[width + 3]),
        )
        files, size, seconds, unreadable = files + count, size + total, seconds + duration, unreadable + errors
        for name, key in zip(_BUCKET_COLUMNS, row[:width], strict=True):
            bucket = buckets[name].setdefault(key, [0, 0, 0.0])
            bucket[0] += count
            bucket[1] += total
            bucket[2] += duration
    result: dict[str, Any] = {
        "files": files,
        "size": size,
        "duration_s": round(seconds, 3),
        "unreadable": unreadable,
    }
    for name, found in buckets.items():
        listed = [
            {"key": key, "count": int(c), "size": int(t), "duration_s": round(d, 3)}
            for key, (c, t, d) in sorted(found.items(), key=lambda item: (item[0] is not None, str(item[0])))
        ]
        if name == "by_label":
            listed.sort(key=lambda b: -RANKS.get(b["key"] or "", -1))
        else:
            listed.sort(key=lambda b: -b["count"])
        result[name] = listed
    return result


async def per_artist(session: AsyncSession, artist_id: int | None) -> list[dict[str, Any]]:
    """Counts by label per artist, in one grouped query (artists by sort name)."""
    stmt = (
        select(
            Artist.id,
            Artist.name,
            Artist.sort_name,
            MediaFile.quality_label,
            func.count(),
            func.coalesce(func.sum(MediaFile.size), 0),
            func.coalesce(func.sum(MediaFile.duration_s), 0.0),
        )
        .select_from(MediaFile)
        .join(Video, Video.id == MediaFile.video_id)
        .join(Artist, Artist.id == Video.artist_id)
        .where(_present())
        .group_by(Artist.id, Artist.name, Artist.sort_name, MediaFile.quality_label)
        .order_by(Artist.sort_key, Artist.id)
    )
    if artist_id is not None:
        stmt = stmt.where(Artist.id == artist_id)
    artists: dict[int, dict[str, Any]] = {}
    for aid, name, _sort, label, count, size, seconds in (await session.execute(stmt)).all():
        entry = artists.setdefault(
            aid, {"artist": {"id": aid, "name": name}, "count": 0, "size": 0, "duration_s": 0.0, "by_label": {}}
        )
        entry["count"] += int(count)
        entry["size"] += int(size)
        entry["duration_s"] = round(entry["duration_s"] + float(seconds or 0.0), 3)
        entry["by_label"][label or "unknown"] = int(count)
    return list(artists.values())


def cutoff_unmet_query(default_profile_id: int | None, artist_id: int | None = None) -> AnySelect:
    """Videos whose current file is below their profile's cutoff (column `video_id`), for other lists to filter."""
    return _cutoff_unmet(default_profile_id, artist_id, None)
