"""Video queries. Reads select columns with one join, so a page costs two statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Integer, String, Text, and_, bindparam, case, cast, func, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists.schemas import ArtistRef
from mvidarr.genres.columns import video_genres_json
from mvidarr.genres.repository import genre_key
from mvidarr.kit import sqljson
from mvidarr.kit.keyset import Keyset, after, cursor_text, sort_spec
from mvidarr.kit.pagination import PageParams, SortColumn, SortField, tiebreak_clause
from mvidarr.kit.queries import AnySelect, Scalars, StatementCache
from mvidarr.models import Artist, Genre, MediaFile, Video, VideoGenre
from mvidarr.videos.schemas import FileSummary, VideoListItem, VideoPublic

_current_file = and_(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True))

# Each served by an index on (column, id) (migration 0014): titles and names by their folded sort keys,
# the artist's and the current file's values by the copies triggers keep on the video row.
SORTABLE: dict[str, SortColumn] = {
    "title": Video.sort_key,
    "artist": Video.artist_sort_key,
    "year": Video.year,
    "release_date": Video.release_date,
    "created_at": Video.created_at,
    "updated_at": Video.updated_at,
    "status": Video.status,
    "kind": Video.kind,
    "duration_s": Video.duration_s,
    "quality": Video.quality_score,
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

    @property
    def shape(self) -> tuple[object, ...]:
        """What the filter's SQL looks like (which clauses, not their values): statements are cached by it."""
        return (
            len(self.q), self.artist_id is not None, bool(self.status), bool(self.kind), self.year_min is not None,
            self.year_max is not None, bool(self.genre), self.has_file, bool(self.quality_label),
        )  # fmt: skip

    def params(self) -> dict[str, Any]:
        """The values of the filter's bound parameters, by name (the names `_where` gives them)."""
        values: dict[str, Any] = {f"q_{n}": f"%{term}%" for n, term in enumerate(self.q)}
        named = {
            "artist_id": self.artist_id, "year_min": self.year_min, "year_max": self.year_max,
            "genre": genre_key(self.genre) if self.genre else None,
            "status": list(self.status) or None, "kind": list(self.kind) or None,
            "quality_label": list(self.quality_label) or None,
        }  # fmt: skip
        values.update({k: v for k, v in named.items() if v is not None})
        return values


def _where(stmt: AnySelect, flt: VideoFilter) -> AnySelect:
    """`stmt` narrowed by the filter, every value a named bound parameter (see VideoFilter.params)."""
    values = flt.params()

    def param(name: str, *, expanding: bool = False) -> Any:
        return bindparam(name, values[name], expanding=expanding)

    for n in range(len(flt.q)):
        pattern = param(f"q_{n}")
        # Artists are matched once (an uncorrelated IN), not looked up for every video row.
        matching_artists = select(Artist.id).where(Artist.search_text.like(pattern, escape="\\"))
        stmt = stmt.where(or_(Video.search_text.like(pattern, escape="\\"), Video.artist_id.in_(matching_artists)))
    if flt.artist_id is not None:
        stmt = stmt.where(Video.artist_id == param("artist_id"))
    if flt.status:
        stmt = stmt.where(Video.status.in_(param("status", expanding=True)))
    if flt.kind:
        stmt = stmt.where(Video.kind.in_(param("kind", expanding=True)))
    if flt.year_min is not None:
        stmt = stmt.where(Video.year >= param("year_min"))
    if flt.year_max is not None:
        stmt = stmt.where(Video.year <= param("year_max"))
    if flt.genre:
        stmt = stmt.where(
            Video.id.in_(
                select(VideoGenre.video_id)
                .join(Genre, Genre.id == VideoGenre.genre_id)
                .where(Genre.key == param("genre"))
            )
        )
    if flt.has_file is not None:
        stmt = stmt.where(MediaFile.id.is_not(None) if flt.has_file else MediaFile.id.is_(None))
    if flt.quality_label:
        stmt = stmt.where(MediaFile.quality_label.in_(param("quality_label", expanding=True)))
    return stmt


def _joined(stmt: AnySelect, *, artist: bool, media_file: bool) -> AnySelect:
    if artist:
        stmt = stmt.join(Artist, Artist.id == Video.artist_id)
    if media_file:
        stmt = stmt.outerjoin(MediaFile, _current_file)
    return stmt


def _list_item_sources() -> dict[str, Any]:
    """What VideoListItem's fields are made of, beyond the video's same-named columns."""
    return {
        "artist": sqljson.document(ArtistRef, Artist),
        "file": case((MediaFile.id.is_(None), null()), else_=sqljson.document(FileSummary, MediaFile)),
        "has_thumbnail": Video.thumbnail_path.is_not(None),
    }


def _list_item_json() -> Any:
    """One list item as a JSON object, derived from VideoListItem (kit.sqljson.document)."""
    return sqljson.document(VideoListItem, Video, **_list_item_sources())


def _detail_statement() -> Any:
    """One video as the JSON text of VideoPublic (no row when the id is unknown)."""
    document = sqljson.document(VideoPublic, Video, **_list_item_sources(), genres=video_genres_json(Video.id))
    return _joined(select(cast(document, Text)).select_from(Video), artist=True, media_file=True).where(
        Video.id == bindparam("video_id", type_=Integer)
    )


_LIST_ITEM_JSON = _list_item_json()
_PAGE_STATEMENTS = StatementCache()


def _found(flt: VideoFilter, fields: Sequence[SortField], *, keys: bool) -> AnySelect:
    """The ids of the matching videos (with their sort values as `k0`, `k1`, ... if `keys`), unordered."""
    order_by = _order(fields)
    needs_file = flt.needs_file or _sorts_on(order_by, MediaFile.__table__)
    values = [f.column.label(f"k{n}") for n, f in enumerate(fields)] if keys else []
    artist = _sorts_on(order_by, Artist.__table__)
    return _where(_joined(select(Video.id, *values), artist=artist, media_file=needs_file), flt)


def _order(fields: Sequence[SortField]) -> list[Any]:
    return [*(f.clause() for f in fields), tiebreak_clause(fields, Video.id)]


def page_ranges(flt: VideoFilter, fields: Sequence[SortField], keyset: Keyset) -> list[AnySelect]:
    """The ids of a keyset page and one more, each statement an index range read in order
    (`kit.keyset.after`); the page is the first rows of their union."""
    found, order_by = _found(flt, fields, keys=True), _order(fields)
    fetch = bindparam("fetch", type_=Integer)
    return [found.where(p).order_by(*order_by).limit(fetch) for p in after(fields, Video.id, keyset)]


def _page_statement(flt: VideoFilter, fields: Sequence[SortField], keyset: Keyset | None, with_cursor: bool) -> Any:
    # Deferred join: find the page's ids on the video table (index-only for the common sorts),
    # then join artist and file for those rows alone, so deep pages stay cheap. The total is an
    # uncorrelated subquery, evaluated once.
    order_by = _order(fields)
    ids: Any
    if keyset is None:
        ids = _found(flt, fields, keys=with_cursor).order_by(*order_by).offset(bindparam("offset"))
        ids = ids.limit(bindparam("fetch", type_=Integer))
    else:
        ranges = page_ranges(flt, fields, keyset)
        ids = ranges[0] if len(ranges) == 1 else union_all(*(select(r.subquery()) for r in ranges))
    next_cursor = None
    if with_cursor:
        # The page's ids, with one row past the page if there is one, found once (a CTE used more than once is
        # materialised by both databases); the next cursor marks the page's last row.
        ids = ids.cte("page_ids")
        in_order = [
            *(ids.c[f"k{n}"].desc() if f.descending else ids.c[f"k{n}"].asc() for n, f in enumerate(fields)),
            ids.c.id.desc() if fields[-1].descending else ids.c.id.asc(),
        ]
        # The page's last row is found first and its cursor written once (not once per row sorted).
        last = select(ids).order_by(*in_order).offset(bindparam("last")).limit(1).subquery("last_row")
        place = [(last.c[f"k{n}"], f.column) for n, f in enumerate(fields)]
        written = select(cursor_text(bindparam("cursor_sort", type_=String), place, last.c.id)).scalar_subquery()
        more = select(func.count()).select_from(ids).scalar_subquery() > bindparam("limit", type_=Integer)
        next_cursor = case((more, written), else_=null())
        ids = select(ids.c.id)
    count = _where(_joined(select(func.count()).select_from(Video), artist=False, media_file=flt.needs_file), flt)
    rows = (
        _joined(
            select(_LIST_ITEM_JSON.label("item"), sqljson.Position(*order_by).label("n")),
            artist=True,
            media_file=True,
        )
        .where(Video.id.in_(ids.scalar_subquery() if next_cursor is None else ids))
        .order_by(*order_by)
        .limit(bindparam("limit"))
        .subquery()
    )
    return sqljson.page_document(rows, count, next_cursor)


async def list_page_json(
    db: Scalars,
    flt: VideoFilter,
    sort_key: str,
    fields: Callable[[], Sequence[SortField]],
    page: PageParams,
    *,
    keyset: Keyset | None = None,
    with_cursor: bool = False,
) -> str:
    """One page as the JSON text of `Page[VideoListItem]`, built by the database in one statement;
    `CursorPage[VideoListItem]` `with_cursor`, and then the page after `keyset`'s place if given, else
    the numbered one.

    The statement is built once per filter shape and sort (`sort_key` names the order) and run
    again with new values: building and hashing it costs more than running it.
    """
    with_cursor = with_cursor or keyset is not None
    shape = (sort_key, *flt.shape, with_cursor, *(keyset.shape if keyset else ()))
    stmt = _PAGE_STATEMENTS.get(shape, lambda: _page_statement(flt, fields(), keyset, with_cursor))
    return str(await db.scalar(stmt, page_values(flt, fields, page, keyset, with_cursor)))


def page_values(
    flt: VideoFilter,
    fields: Callable[[], Sequence[SortField]],
    page: PageParams,
    keyset: Keyset | None,
    with_cursor: bool,
) -> dict[str, Any]:
    """The values a page statement (`_page_statement`) is run with."""
    values = {**flt.params(), "limit": page.page_size, "offset": page.offset, "page": page.page}
    if not with_cursor:
        return values | {"fetch": page.page_size}
    # One row past the page says whether there is a next one; the cursor is the page's last row.
    values |= {"fetch": page.page_size + 1, "last": page.page_size - 1, "cursor_sort": sort_spec(fields())}
    if keyset is not None:
        values |= {**keyset.params(), "page": None}
    return values


def _sorts_on(order_by: Sequence[Any], table: Any) -> bool:
    return any(getattr(clause.element, "table", None) is table for clause in order_by)


# Built once: constructing this select costs more than running it.
_DETAIL = _detail_statement()


async def detail_json(db: Scalars, video_id: int) -> str | None:
    """The video as the JSON text of VideoPublic, built by the database; None if there is no such video."""
    document = await db.scalar(_DETAIL, {"video_id": video_id})
    return None if document is None else str(document)


def matching(stmt: AnySelect, flt: VideoFilter, *, file_joined: bool = False) -> AnySelect:
    """`stmt` (a select from the video table) narrowed to the videos the filter matches; `file_joined`
    when it already joins each video's current file."""
    if flt.needs_file and not file_joined:
        stmt = stmt.outerjoin(MediaFile, _current_file)
    return _where(stmt, flt)


async def matching_ids(
    session: AsyncSession, flt: VideoFilter, *, after_id: int = 0, through_id: int | None = None, limit: int
) -> list[int]:
    """Ids of matching videos in id order, a keyset page at a time: those after `after_id`, up to `through_id`."""
    stmt = matching(select(Video.id), flt).where(Video.id > after_id)
    if through_id is not None:
        stmt = stmt.where(Video.id <= through_id)
    return list((await session.execute(stmt.order_by(Video.id).limit(limit))).scalars())


async def count_matching(session: AsyncSession, flt: VideoFilter, *, through_id: int | None = None) -> int:
    stmt = matching(select(func.count()).select_from(Video), flt)
    if through_id is not None:
        stmt = stmt.where(Video.id <= through_id)
    return int(await session.scalar(stmt) or 0)


async def newest_id(session: AsyncSession) -> int:
    """The highest video id now: a selection by filter covers the videos that exist when it is made."""
    return int(await session.scalar(select(func.max(Video.id))) or 0)


async def existing_ids(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """The given ids that are videos, in the order given, each once."""
    found = set((await session.execute(select(Video.id).where(Video.id.in_(list(ids))))).scalars())
    return [i for i in dict.fromkeys(ids) if i in found]


async def year_counts(session: AsyncSession, artist_id: int) -> dict[int | None, int]:
    """How many videos one artist has per year (None: year unknown)."""
    rows = await session.execute(
        select(Video.year, func.count()).where(Video.artist_id == artist_id).group_by(Video.year)
    )
    return {year: int(n) for year, n in rows.all()}


FACETS = ("status", "kind", "decade", "genre", "quality_label", "has_file")
_GENRE_FACET_LIMIT = 50


async def facet_counts(session: AsyncSession, flt: VideoFilter) -> dict[str, Any]:
    """Counts of matching videos by status, kind, decade, genre, current file's quality label and whether
    there is a file. Each facet is counted with the other filters only, so a chosen value still shows its
    neighbours' counts (choosing one more widens the list by that many)."""
    total = await count_matching(session, flt)
    decade = (Video.year // 10) * 10
    grouped: dict[str, tuple[VideoFilter, Any, bool]] = {
        "status": (replace(flt, status=()), Video.status, False),
        "kind": (replace(flt, kind=()), Video.kind, False),
        "decade": (replace(flt, year_min=None, year_max=None), decade, False),
        "quality_label": (replace(flt, quality_label=()), MediaFile.quality_label, True),
        "has_file": (replace(flt, has_file=None), MediaFile.id.is_not(None), True),
    }
    facets: dict[str, Any] = {"total": total}
    for name, (others, column, file_joined) in grouped.items():
        value = column.label("value")
        stmt = select(value, func.count().label("n")).select_from(Video)
        if file_joined:
            stmt = stmt.outerjoin(MediaFile, _current_file)
        stmt = matching(stmt, others, file_joined=file_joined).group_by(value).order_by(func.count().desc(), value)
        rows = (await session.execute(stmt)).all()
        facets[name] = [{"value": v, "count": n} for v, n in rows if v is not None or name == "has_file"]
    others = replace(flt, genre=None)
    genre_stmt = (
        select(Genre.name, func.count(func.distinct(Video.id)).label("n"))
        .select_from(Video)
        .join(VideoGenre, VideoGenre.video_id == Video.id)
        .join(Genre, Genre.id == VideoGenre.genre_id)
    )
    genre_stmt = matching(genre_stmt, others).group_by(Genre.id, Genre.name)
    genre_stmt = genre_stmt.order_by(func.count(func.distinct(Video.id)).desc(), Genre.name).limit(_GENRE_FACET_LIMIT)
    facets["genre"] = [{"value": name, "count": n} for name, n in (await session.execute(genre_stmt)).all()]
    for entry in facets["has_file"]:
        entry["value"] = bool(entry["value"])
    return facets
