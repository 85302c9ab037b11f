"""The read path of the hot GETs (mvidarr.reads): read-only, current, pooled, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, func, select, text
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mvidarr.db import Database
from mvidarr.errors import ConfigError
from mvidarr.models import Artist
from mvidarr.reads import Reads

pytestmark = pytest.mark.anyio

_NAME_OF = select(Artist.name).where(Artist.id == bindparam("artist_id", type_=Integer))
_COUNT_IN = select(func.count()).select_from(Artist).where(Artist.id.in_(bindparam("ids", expanding=True)))


async def _add_artists(db: Database, *names: str) -> list[int]:
    async with db.writer() as session:
        artists = [Artist(name=n, sort_name=n, name_key=n.lower(), search_text=n.lower()) for n in names]
        session.add_all(artists)
        await session.commit()
        return [a.id for a in artists]


async def test_reads_see_each_commit_at_once(db: Database) -> None:
    assert await db.reads.scalar(_NAME_OF, {"artist_id": 1}) is None
    [first] = await _add_artists(db, "Röyksopp")
    assert await db.reads.scalar(_NAME_OF, {"artist_id": first}) == "Röyksopp"
    async with db.writer() as session:
        artist = await session.get(Artist, first)
        assert artist is not None
        artist.name = "Röyksopp & Robyn"
        await session.commit()
    assert await db.reads.scalar(_NAME_OF, {"artist_id": first}) == "Röyksopp & Robyn", "no stale snapshot"


async def test_the_read_path_cannot_write(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)read.?only") as caught:
        await db.reads.scalar(text("INSERT INTO genre (name, key) VALUES ('x', 'x') RETURNING id"))
    assert not isinstance(caught.value, DBAPIError), "the driver's own error: SQLAlchemy is not in the way"
    async with db.reader() as session:
        assert await session.scalar(text("SELECT count(*) FROM genre")) == 0


async def test_in_lists_expand_per_call(db: Database) -> None:
    ids = await _add_artists(db, "A", "B", "C")
    assert await db.reads.scalar(_COUNT_IN, {"ids": ids[:1]}) == 1
    assert await db.reads.scalar(_COUNT_IN, {"ids": ids}) == 3
    assert await db.reads.scalar(_COUNT_IN, {"ids": [*ids, 10**6]}) == 3


async def test_a_missing_value_is_an_error_before_any_connection(db: Database) -> None:
    with pytest.raises(KeyError, match="artist_id"):
        await db.reads.scalar(_NAME_OF, {})


async def test_more_callers_than_connections_take_turns(db: Database) -> None:
    [artist] = await _add_artists(db, "Queue")
    size = db.reads.size
    names = await asyncio.gather(*(db.reads.scalar(_NAME_OF, {"artist_id": artist}) for _ in range(8 * size)))
    assert names == ["Queue"] * (8 * size)
    assert 1 <= db.reads.open_connections <= size


async def test_a_failed_statement_does_not_cost_a_connection(db: Database) -> None:
    [artist] = await _add_artists(db, "Survivor")
    size = db.reads.size

    async def broken() -> Any:
        return await db.reads.scalar(text("SELECT no_such_column FROM artist"))

    async def good() -> Any:
        return await db.reads.scalar(_NAME_OF, {"artist_id": artist})

    results = await asyncio.gather(*(broken() if n % 2 else good() for n in range(4 * size)), return_exceptions=True)
    assert [r for n, r in enumerate(results) if n % 2 == 0] == ["Survivor"] * (2 * size)
    assert all(isinstance(r, Exception) for n, r in enumerate(results) if n % 2)
    assert await good() == "Survivor"
    assert 1 <= db.reads.open_connections <= size


async def test_closing_refuses_new_reads(db: Database) -> None:
    [artist] = await _add_artists(db, "Last")
    assert await db.reads.scalar(_NAME_OF, {"artist_id": artist}) == "Last"
    await db.reads.close()
    assert db.reads.open_connections == 0
    with pytest.raises(RuntimeError, match="closed"):
        await db.reads.scalar(_NAME_OF, {"artist_id": artist})


def test_an_in_memory_sqlite_database_is_refused() -> None:
    url = make_url("sqlite+aiosqlite://")
    with pytest.raises(ConfigError, match="database file"):
        Database.connect(url)
    with pytest.raises(ConfigError, match="in-memory"):
        Reads.for_url(make_url("sqlite+aiosqlite:///:memory:"), sqlite_dialect(), size=1)


@pytest.mark.postgres_only
async def test_postgres_connections_keep_their_settings_from_statement_to_statement(
    database_target: Any,
) -> None:
    """asyncpg's pool resets nothing on release here (no `RESET ALL` round trip): the session settings
    the connections opened with stay, so the second statement on a connection is as read-only and
    sees the same schema as the first."""
    db = database_target.connect(pool_size=1)
    try:
        for _ in range(3):
            assert await db.reads.scalar(text("SELECT current_setting('default_transaction_read_only')")) == "on"
            assert await db.reads.scalar(text("SELECT current_schema()")) == database_target.pg_schema
        assert db.reads.open_connections == 1
        with pytest.raises(Exception, match=r"(?i)read.?only"):
            await db.reads.scalar(text("CREATE TABLE nope (x int)"))
        assert await db.reads.scalar(text("SELECT 1")) == 1, "a failed statement leaves the pool usable"
    finally:
        await db.dispose()
