"""Artist queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists.schemas import ArtistListItem
from mvidarr.genres.columns import artist_genres, artist_genres_json
from mvidarr.genres.repository import genre_key
from mvidarr.kit import sqljson
from mvidarr.kit.pagination import PageParams, SortColumn
from mvidarr.kit.queries import AnySelect, Scalars, StatementCache
from mvidarr.models import Artist, ArtistGenre, Genre, Monitor, Video, VideoRemoval, VideoStatus


@dataclass(frozen=True, slots=True)
class ArtistFilter:
    q: list[str]
    monitored: bool | None = None
    genre: str | None = None

    @property
    def shape(self) -> tuple[object, ...]:
        return (len(self.q), self.monitored is not None, bool(self.genre))

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {f"q_{n}": f"%{term}%" for n, term in enumerate(self.q)}
        if self.monitored is not None:
            values["monitored"] = self.monitored
        if self.genre:
            values["genre"] = genre_key(self.genre)
        return values


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
    "name": Artist.sort_key,
    "sort_name": Artist.sort_key,
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
    """`stmt` narrowed by the filter, every value a named bound parameter (see ArtistFilter.params)."""
    values = flt.params()
    for n in range(len(flt.q)):
        stmt = stmt.where(Artist.search_text.like(bindparam(f"q_{n}", values[f"q_{n}"]), escape="\\"))
    if flt.monitored is not None:
        stmt = stmt.where(Artist.monitored == bindparam("monitored", values["monitored"]))
    if flt.genre:
        stmt = stmt.where(
            Artist.id.in_(
                select(ArtistGenre.artist_id)
                .join(Genre, Genre.id == ArtistGenre.genre_id)
                .where(Genre.key == bindparam("genre", values["genre"]))
            )
        )
    return stmt


_LIST_ITEM_JSON = sqljson.document(
    ArtistListItem,
    Artist,
    genres=artist_genres_json(Artist.id),
    video_count=_video_count,
    downloaded_count=_downloaded_count,
)
_PAGE_STATEMENTS = StatementCache()


def _page_statement(flt: ArtistFilter, order_by: Sequence[Any]) -> Any:
    # Page ids first, then counts and genres for those rows alone; the total rides along.
    ids = _where(select(Artist.id), flt).order_by(*order_by).offset(bindparam("offset")).limit(bindparam("limit"))
    count = _where(select(func.count()).select_from(Artist), flt)
    rows = (
        select(_LIST_ITEM_JSON.label("item"), sqljson.Position(*order_by).label("n"))
        .where(Artist.id.in_(ids.scalar_subquery()))
        .order_by(*order_by)
        .limit(bindparam("limit"))
        .subquery()
    )
    return sqljson.page_document(rows, count)


async def list_page_json(
    db: Scalars, flt: ArtistFilter, sort_key: str, order_by: Callable[[], Sequence[Any]], page: PageParams
) -> str:
    """One page as the JSON text of `Page[ArtistListItem]`, built by the database in one statement."""
    stmt = _PAGE_STATEMENTS.get((sort_key, *flt.shape), lambda: _page_statement(flt, order_by()))
    values = {**flt.params(), "limit": page.page_size, "offset": page.offset, "page": page.page}
    return str(await db.scalar(stmt, values))


_EXISTS = select(Artist.id).where(Artist.id == bindparam("artist_id", type_=Integer))


async def exists(db: Scalars, artist_id: int) -> bool:
    return await db.scalar(_EXISTS, {"artist_id": artist_id}) is not None


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


async def exists_named(session: AsyncSession, name_key: str) -> bool:
    """Whether any artist (whatever its disambiguation) has this identity key."""
    return (await session.scalar(select(Artist.id).where(Artist.name_key == name_key).limit(1))) is not None


async def has_videos(session: AsyncSession, artist_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Video).where(Video.artist_id == artist_id)) or 0)


async def move_artist_rows(session: AsyncSession, source_id: int, target_id: int) -> int:
    """Videos, monitors and remembered removals of one artist given to another; the videos moved."""
    moved = await session.execute(update(Video).where(Video.artist_id == source_id).values(artist_id=target_id))
    await session.execute(update(Monitor).where(Monitor.artist_id == source_id).values(artist_id=target_id))
    await session.execute(update(VideoRemoval).where(VideoRemoval.artist_id == source_id).values(artist_id=target_id))
    return int(getattr(moved, "rowcount", 0) or 0)


async def genre_names(session: AsyncSession, artist_ids: Sequence[int]) -> list[str]:
    """The genres of these artists, each once, in name order."""
    stmt = (
        select(Genre.name)
        .join(ArtistGenre, ArtistGenre.genre_id == Genre.id)
        .where(ArtistGenre.artist_id.in_(list(artist_ids)))
        .distinct()
        .order_by(Genre.name)
    )
    return list((await session.execute(stmt)).scalars())
