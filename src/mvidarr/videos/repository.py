"""Video queries. Reads select columns with one join, so a page costs two statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.genres.columns import video_genres
from mvidarr.genres.repository import genre_key
from mvidarr.kit.pagination import TOTAL, PageParams, PageRows, SortColumn
from mvidarr.kit.queries import AnySelect
from mvidarr.models import Artist, Genre, MediaFile, Video, VideoGenre

FILE_COLUMNS = (
    MediaFile.id,
    MediaFile.quality_label,
    MediaFile.quality_score,
    MediaFile.width,
    MediaFile.height,
    MediaFile.video_codec,
    MediaFile.audio_codec,
    MediaFile.container,
    MediaFile.size,
    MediaFile.duration_s,
)
_file_labels = [c.label(f"file_{c.key}") for c in FILE_COLUMNS]
_current_file = and_(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True))

LIST_COLUMNS = (
    Video.id,
    Video.artist_id,
    Artist.name.label("artist_name"),
    Video.title,
    Video.version,
    Video.kind,
    Video.status,
    Video.monitored,
    Video.year,
    Video.duration_s,
    Video.album,
    Video.created_at,
    *_file_labels,
)

SORTABLE: dict[str, SortColumn] = {
    "title": Video.sort_title,
    "artist": Artist.sort_name,
    "year": Video.year,
    "release_date": Video.release_date,
    "created_at": Video.created_at,
    "updated_at": Video.updated_at,
    "status": Video.status,
    "kind": Video.kind,
    "duration_s": Video.duration_s,
    "quality": MediaFile.quality_score,
}


@dataclass(frozen=True, slots=True)
class VideoFilter:
    q: list[str] = field(default_factory=list)
    artist_id: int | None = None
    status: Sequence[str] = ()
    kind: Sequence[str] = ()
    year_min: int | None = None
    year_max: int | None = None
    genre: str | None = None
    has_file: bool | None = None
    quality_label: Sequence[str] = ()

    @property
    def needs_file(self) -> bool:
        return self.has_file is not None or bool(self.quality_label)


def _where(stmt: AnySelect, flt: VideoFilter) -> AnySelect:
    for term in flt.q:
        pattern = f"%{term}%"
        # Artists are matched once (an uncorrelated IN), not looked up for every video row.
        matching_artists = select(Artist.id).where(Artist.search_text.like(pattern, escape="\\"))
        stmt = stmt.where(or_(Video.search_text.like(pattern, escape="\\"), Video.artist_id.in_(matching_artists)))
    if flt.artist_id is not None:
        stmt = stmt.where(Video.artist_id == flt.artist_id)
    if flt.status:
        stmt = stmt.where(Video.status.in_(list(flt.status)))
    if flt.kind:
        stmt = stmt.where(Video.kind.in_(list(flt.kind)))
    if flt.year_min is not None:
        stmt = stmt.where(Video.year >= flt.year_min)
    if flt.year_max is not None:
        stmt = stmt.where(Video.year <= flt.year_max)
    if flt.genre:
        stmt = stmt.where(
            Video.id.in_(
                select(VideoGenre.video_id)
                .join(Genre, Genre.id == VideoGenre.genre_id)
                .where(Genre.key == genre_key(flt.genre))
            )
        )
    if flt.has_file is not None:
        stmt = stmt.where(MediaFile.id.is_not(None) if flt.has_file else MediaFile.id.is_(None))
    if flt.quality_label:
        stmt = stmt.where(MediaFile.quality_label.in_(list(flt.quality_label)))
    return stmt


def _joined(stmt: AnySelect, *, artist: bool, media_file: bool) -> AnySelect:
    if artist:
        stmt = stmt.join(Artist, Artist.id == Video.artist_id)
    if media_file:
        stmt = stmt.outerjoin(MediaFile, _current_file)
    return stmt


async def list_page(session: AsyncSession, flt: VideoFilter, order_by: Sequence[Any], page: PageParams) -> PageRows:
    """One page of list rows and the total, in one statement."""
    # Deferred join: find the page's ids on the video table (index-only for the common sorts),
    # then join artist and file for those rows alone, so deep pages stay cheap. The total rides
    # along as an uncorrelated subquery, evaluated once, saving a round trip.
    needs_file = flt.needs_file or _sorts_on(order_by, MediaFile.__table__)
    ids = _where(_joined(select(Video.id), artist=_sorts_on(order_by, Artist.__table__), media_file=needs_file), flt)
    ids = ids.order_by(*order_by).offset(page.offset).limit(page.page_size)
    count = _where(_joined(select(func.count()).select_from(Video), artist=False, media_file=flt.needs_file), flt)
    stmt = _joined(select(*LIST_COLUMNS, count.scalar_subquery().label(TOTAL)), artist=True, media_file=True)
    stmt = stmt.where(Video.id.in_(ids.scalar_subquery())).order_by(*order_by)
    rows = (await session.execute(stmt)).all()
    if rows:
        return PageRows.of(rows)
    return PageRows(keys=[], rows=[], total=0 if page.offset == 0 else (await session.scalar(count)) or 0)


def _sorts_on(order_by: Sequence[Any], table: Any) -> bool:
    return any(getattr(clause.element, "table", None) is table for clause in order_by)


# Built once: constructing this select costs more than running it.
_GET_ROW = (
    select(
        Video.__table__,
        Artist.name.label("artist_name"),
        video_genres(Video.id).label("genre_names"),
        *_file_labels,
    )
    .join(Artist, Artist.id == Video.artist_id)
    .outerjoin(MediaFile, _current_file)
    .where(Video.id == bindparam("video_id"))
)


async def get_row(session: AsyncSession, video_id: int) -> Row[Any] | None:
    return (await session.execute(_GET_ROW, {"video_id": video_id})).first()
