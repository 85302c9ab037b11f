"""The read path's binding (mvidarr.reads) against SQLAlchemy's own, so an upgrade that changes what
it reads from a compiled statement fails here rather than in a request.

`Reads` compiles a statement once and binds values positionally itself, reading `positiontup`,
`bind_names`, `post_compile_params`, `construct_expanded_state` and the (private) bind processors of
SQLAlchemy's compiled form. Each statement the hot GETs run is executed through SQLAlchemy on this
leg's database, and the SQL and arguments SQLAlchemy hands the driver must be exactly what the read
path would hand it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, event, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as postgres_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from mvidarr.artists import repository as artists
from mvidarr.db import Database
from mvidarr.kit.keyset import Keyset
from mvidarr.kit.pagination import PageParams, sort_clauses, sort_fields
from mvidarr.metrics import repository as metrics
from mvidarr.models import Artist, Video
from mvidarr.reads import _Compiled
from mvidarr.videos import repository as videos

DIALECTS: dict[str, Callable[[], Dialect]] = {"sqlite": sqlite_dialect, "postgresql": postgres_dialect}
PAGE = {"limit": 50, "offset": 100, "page": 3}


def _video_page(
    flt: videos.VideoFilter, sort: str, *, with_cursor: bool = False, keyset: Keyset | None = None
) -> tuple[ClauseElement, dict[str, Any]]:
    fields = sort_fields(sort, videos.SORTABLE, default="-created_at")
    with_cursor = with_cursor or keyset is not None
    values = videos.page_values(flt, lambda: fields, PageParams(3, 50), keyset, with_cursor)
    return videos._page_statement(flt, fields, keyset, with_cursor), values


def _artist_page(flt: artists.ArtistFilter) -> tuple[ClauseElement, dict[str, Any]]:
    order = sort_clauses("name", artists.SORTABLE, default="name", tiebreak=Artist.id)
    return artists._page_statement(flt, order), {**flt.params(), **PAGE}


CASES: dict[str, Callable[[], tuple[ClauseElement, Mapping[str, Any]]]] = {
    "video detail": lambda: (videos._DETAIL, {"video_id": 42}),
    "video page": lambda: _video_page(videos.VideoFilter(), "-created_at"),
    "video page, every filter": lambda: _video_page(
        videos.VideoFilter(
            q=["love", "o'brien"],
            artist_id=7,
            status=["wanted", "downloaded"],
            kind=["live"],
            year_min=1990,
            year_max=1999,
            genre="Synth-pop",
            has_file=True,
            quality_label=["1080p", "720p"],
        ),
        "artist",
    ),
    "video page with its next cursor": lambda: _video_page(
        videos.VideoFilter(status=["wanted"]), "title", with_cursor=True
    ),
    "video page after a timestamp": lambda: _video_page(
        videos.VideoFilter(), "-created_at", keyset=Keyset((datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),), 9, "sqlite")
    ),
    "video page after a value, then the NULLs": lambda: _video_page(
        videos.VideoFilter(kind=["live"]), "year", keyset=Keyset((1999,), 9, "postgresql")
    ),
    "video page after a NULL, then the values": lambda: _video_page(
        videos.VideoFilter(), "quality", keyset=Keyset((None,), 9, "sqlite")
    ),
    "video page after a place in three fields": lambda: _video_page(
        videos.VideoFilter(q=["love"]),
        "status,-release_date,duration_s",
        keyset=Keyset(("wanted", date(2001, 2, 3), None), 9, "postgresql"),
    ),
    "artist page": lambda: _artist_page(artists.ArtistFilter(q=["röyksopp"], monitored=True, genre="Electronic")),
    "metrics figures": lambda: (metrics.FIGURES, {"now": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}),
    "an IN list beside a timestamp": lambda: (
        select(Video.id).where(
            Video.status.in_(bindparam("status", expanding=True)),
            Video.updated_at < bindparam("before", type_=Video.__table__.c.updated_at.type),
        ),
        {"status": ["wanted", "downloaded"], "before": datetime(2026, 1, 2, tzinfo=UTC)},
    ),
    "a timestamp with a default": lambda: (
        select(Video.id).where(
            Video.created_at > bindparam("since", type_=Video.__table__.c.created_at.type),
            Video.artist_id == bindparam("artist_id", 5, type_=Integer),
        ),
        {"since": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)},
    ),
}


async def _sent_by_sqlalchemy(db: Database, statement: Any, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    sent: list[tuple[str, list[Any]]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((sql, list(parameters)))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with db.reader() as session:
            await session.execute(statement, dict(values))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    [only] = sent
    return only


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES)
async def test_the_read_path_binds_as_sqlalchemy_does(db: Database, case: str) -> None:
    statement, values = CASES[case]()
    compiled = _Compiled.of(statement, db.engine.dialect)
    assert compiled.bind(values) == await _sent_by_sqlalchemy(db, statement, values)
    assert compiled.bind(values) == compiled.bind(values), "binding twice changes nothing"


@pytest.mark.parametrize("dialect_name", DIALECTS)
@pytest.mark.parametrize("case", CASES)
def test_every_statement_compiles_for_both_databases(dialect_name: str, case: str) -> None:
    statement, values = CASES[case]()
    sql, args = _Compiled.of(statement, DIALECTS[dialect_name]()).bind(values)
    assert sql.count("?" if dialect_name == "sqlite" else "$") >= len(args) > 0


def test_a_bind_processor_is_applied() -> None:
    """SQLite stores timestamps as text through bind processors (the column type's, then the
    dialect's): the read path must run them, beside an IN list too."""
    statement, values = CASES["a timestamp with a default"]()
    _, args = _Compiled.of(statement, sqlite_dialect()).bind(values)
    assert args == ["2026-01-02 03:04:05.000006", 5]
    statement, values = CASES["an IN list beside a timestamp"]()
    _, args = _Compiled.of(statement, sqlite_dialect()).bind(values)
    assert args == ["wanted", "downloaded", "2026-01-02 00:00:00.000000"]


def test_a_missing_value_is_refused_and_a_default_is_used() -> None:
    statement, _ = CASES["a timestamp with a default"]()
    compiled = _Compiled.of(statement, postgres_dialect())
    with pytest.raises(KeyError, match="since"):
        compiled.bind({})
    assert compiled.bind({"since": datetime(2026, 1, 1, tzinfo=UTC)})[1][1] == 5
