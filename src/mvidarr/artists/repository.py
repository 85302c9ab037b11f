"""Artist queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.genres.columns import artist_genres
from mvidarr.genres.repository import genre_key
from mvidarr.kit.pagination import TOTAL, PageParams, PageRows, SortColumn
from mvidarr.kit.queries import AnySelect
from mvidarr.models import Artist, ArtistGenre, Genre, Video, VideoStatus


@dataclass(frozen=True, slots=True)
class ArtistFilter:
    q: list[str]
    monitored: bool | None = None
    genre: str | None = None


_video_count = (
    select(func.count()).select_from(Video).where(Video.artist_id == Artist.id).correlate(Artist).scalar_subquery()
)
_downloaded_count = (
    select(func.count())
    .select_from(Video)
    .where(and_(Video.artist_id == Artist.id, Video.status == VideoStatus.DOWNLOADED))
    .correlate(Artist)
    .scalar_subquery()
)

SORTABLE: dict[str, SortColumn] = {
    "name": Artist.sort_name,
    "sort_name": Artist.sort_name,
    "created_at": Artist.created_at,
    "updated_at": Artist.updated_at,
    "begin_year": Artist.begin_year,
    "country": Artist.country,
    "video_count": _video_count,
}

_LIST_COLUMNS = (
    Artist.id,
    Artist.name,
    Artist.sort_name,
    Artist.disambiguation,
    Artist.country,
    Artist.begin_year,
    Artist.monitored,
    Artist.auto_download,
    Artist.created_at,
    _video_count.label("video_count"),
    _downloaded_count.label("downloaded_count"),
    artist_genres(Artist.id).label("genre_names"),
)


def _where(stmt: AnySelect, flt: ArtistFilter) -> AnySelect:
    for term in flt.q:
        stmt = stmt.where(Artist.search_text.like(f"%{term}%", escape="\\"))
    if flt.monitored is not None:
        stmt = stmt.where(Artist.monitored == flt.monitored)
    if flt.genre:
        stmt = stmt.where(
            Artist.id.in_(
                select(ArtistGenre.artist_id)
                .join(Genre, Genre.id == ArtistGenre.genre_id)
                .where(Genre.key == genre_key(flt.genre))
            )
        )
    return stmt


async def list_page(session: AsyncSession, flt: ArtistFilter, order_by: Sequence[Any], page: PageParams) -> PageRows:
    """One page of list rows and the total, in one statement."""
    # Page ids first, then counts and genres for those rows alone; the total rides along.
    ids = _where(select(Artist.id), flt).order_by(*order_by).offset(page.offset).limit(page.page_size)
    count = _where(select(func.count()).select_from(Artist), flt)
    stmt = select(*_LIST_COLUMNS, count.scalar_subquery().label(TOTAL))
    stmt = stmt.where(Artist.id.in_(ids.scalar_subquery())).order_by(*order_by)
    rows = (await session.execute(stmt)).all()
    if rows:
        return PageRows.of(rows)
    return PageRows(keys=[], rows=[], total=0 if page.offset == 0 else (await session.scalar(count)) or 0)


async def extras(session: AsyncSession, artist_id: int) -> tuple[int, int, str | None]:
    """Video count, downloaded count and genre names of one artist."""
    stmt = select(_video_count, _downloaded_count, artist_genres(Artist.id)).where(Artist.id == artist_id)
    row = (await session.execute(stmt)).one()
    return int(row[0]), int(row[1]), row[2]


async def get(session: AsyncSession, artist_id: int) -> Artist | None:
    return await session.get(Artist, artist_id)


async def find_by_identity(
    session: AsyncSession, name_key: str, disambiguation_key: str, *, exclude_id: int | None = None
) -> Artist | None:
    stmt = select(Artist).where(Artist.name_key == name_key, Artist.disambiguation_key == disambiguation_key)
    if exclude_id is not None:
        stmt = stmt.where(Artist.id != exclude_id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def has_videos(session: AsyncSession, artist_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Video).where(Video.artist_id == artist_id)) or 0)
