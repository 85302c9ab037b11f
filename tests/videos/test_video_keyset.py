"""Paging the video list by cursor (keyset): the same rows as the numbered pages under every sort,
none repeated or skipped while videos are added between pages, each page read from an index range,
and a cursor that is not one the list gave out refused with a 422 that says why."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text, update

from mvidarr.db import Database
from mvidarr.kit.keyset import Keyset, read_cursor
from mvidarr.kit.pagination import sort_fields
from mvidarr.models import Video
from mvidarr.videos import repository
from mvidarr.videos.repository import SORTABLE, VideoFilter
from mvidarr.videos.service import LIST_DEFAULT_SORT
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio
API = "/api/v1/videos"
# Every sort in both directions, and sorts of several fields (no single index serves those).
SORTS = [s for name in sorted(SORTABLE) for s in (name, f"-{name}")] + ["status,-year", "-kind,release_date,title"]
STAMP = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)


async def _library(client: httpx.AsyncClient, db: Database, tmp_path: Any) -> list[int]:
    """Fourteen videos with ties and gaps in every sortable field: equal titles, NULL years, dates,
    durations and qualities, equal timestamps."""
    abba = await make_artist(client, "ABBA")
    cure = await make_artist(client, "The Cure")
    ids = []
    for n in range(14):
        fields: dict[str, Any] = {
            "kind": ("official", "live", "lyric")[n % 3],
            "status": ("wanted", "downloaded")[n % 2],
            "year": None if n % 4 == 0 else 1980 + n % 5,
            "release_date": None if n % 3 == 0 else date(2000, 1 + n % 2, 1).isoformat(),
            "duration_s": None if n % 5 == 1 else 200.1 + (n % 3) / 3,
        }
        title = ("Alpha", "Beta", "alpha", "Γάμμα")[n % 4]
        video = await make_video(client, (abba, cure)[n % 2]["id"], title, **fields)
        ids.append(video["id"])
        if n % 3 != 2:
            await attach_file(db, video["id"], str(tmp_path), relative_path=f"{n}.mp4", quality_score=n % 4 / 3)
    async with db.writer() as session:
        # Equal timestamps, so created_at and updated_at have ties for the id to break.
        await session.execute(update(Video).where(Video.id.in_(ids[::2])).values(created_at=STAMP, updated_at=STAMP))
        await session.commit()
    return ids


async def _offset_walk(client: httpx.AsyncClient, sort: str) -> list[int]:
    response = await client.get(API, params={"sort": sort, "page_size": 100})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _cursor_walk(client: httpx.AsyncClient, sort: str, page_size: int, **params: Any) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        query = {"sort": sort, "page_size": page_size, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(API, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["page"] == (None if cursor else 1)
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(body["items"]) <= page_size
            return seen
        assert len(body["items"]) == page_size
    raise AssertionError("the walk did not end")


async def test_a_walk_by_cursor_is_the_walk_by_page_under_every_sort(
    client: httpx.AsyncClient, db: Database, tmp_path: Any
) -> None:
    ids = await _library(client, db, tmp_path)
    for sort in SORTS:
        expected = await _offset_walk(client, sort)
        assert sorted(expected) == sorted(ids), sort
        for page_size in (3, 7, 14):
            assert await _cursor_walk(client, sort, page_size) == expected, (sort, page_size)
    # With filters too (the file's quality joins the current file).
    filtered = {"status": "wanted", "has_file": "true"}
    response = await client.get(API, params={"sort": "-quality", "page_size": 100, **filtered})
    assert await _cursor_walk(client, "-quality", 2, **filtered) == [i["id"] for i in response.json()["items"]]


@pytest.mark.parametrize("sort", ["title", "-created_at", "year", "-year", "quality", "-duration_s"])
async def test_videos_added_between_pages_neither_repeat_nor_skip_a_row(
    client: httpx.AsyncClient, db: Database, tmp_path: Any, sort: str
) -> None:
    original = set(await _library(client, db, tmp_path))
    artist = await make_artist(client, "Newcomer")
    seen: list[int] = []
    cursor = None
    for n in range(30):
        query = {"sort": sort, "page_size": 3, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(API, params=query)).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if n >= 4:
            continue  # (a walk that keeps finding new videos ahead never ends)
        # Videos that sort before, among and after the rows seen so far.
        for title, year in ((" aaa first", 1970), (f"Beta {n}", 1982), ("zzz last", None)):
            await make_video(client, artist["id"], title, year=year, duration_s=None if year else 1.0)
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert original <= set(seen), "a row was skipped"
    final = await _offset_walk(client, sort)
    assert [i for i in final if i in set(seen)] == seen, "the walk went out of order"

    if sort == "-created_at":
        # Where a walk by page number repeats a row: a video added ahead of the page moves it.
        first = (await client.get(API, params={"sort": sort, "page_size": 3})).json()["items"]
        await make_video(client, artist["id"], "Newest")
        second = (await client.get(API, params={"sort": sort, "page_size": 3, "page": 2})).json()["items"]
        assert first[-1]["id"] == second[0]["id"]


async def test_the_last_page_has_no_next_cursor_and_the_artist_list_pages_too(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Pair")
    first, second = [await make_video(client, artist["id"], t) for t in ("One", "Two")]
    body = (await client.get(API, params={"page_size": 2})).json()
    assert body["next_cursor"] is None, "no video after this page: no cursor to an empty one"
    body = (await client.get(API, params={"page_size": 1, "sort": "title"})).json()
    assert [i["id"] for i in body["items"]] == [first["id"]]
    params = {"page_size": 1, "sort": "title", "cursor": body["next_cursor"]}
    following = (await client.get(API, params=params)).json()
    assert ([i["id"] for i in following["items"]], following["next_cursor"]) == ([second["id"]], None)
    assert (following["total"], following["page"]) == (2, None)
    own = await client.get(f"/api/v1/artists/{artist['id']}/videos", params=params)
    assert own.status_code == 200, own.text
    assert [i["id"] for i in own.json()["items"]] == [second["id"]]


async def test_a_cursor_the_list_did_not_give_out_is_refused(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Refusals")
    for title in ("A", "B", "C"):
        await make_video(client, artist["id"], title, year=2001)
    cursor = (await client.get(API, params={"page_size": 1, "sort": "-year"})).json()["next_cursor"]
    assert json.loads(bytes.fromhex(cursor))[:2] == ["-year", 2001]

    async def refused(params: dict[str, Any]) -> dict[str, Any]:
        response = await client.get(API, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        return dict(error)

    assert (await refused({"cursor": "not hex"}))["loc"] == ["query", "cursor"]
    error = await refused({"cursor": "7b7d", "sort": "-year"})  # "{}"
    assert (error["type"], error["msg"]) == ("content", "cursor is not one this list gave out")
    error = await refused({"cursor": cursor, "sort": "year"})
    assert error["type"] == "conflict"
    assert "sorted by '-year', not 'year'" in error["msg"]
    assert (await refused({"cursor": cursor}))["type"] == "conflict", "the default sort is another"
    for forged in ('["-year","2001",1]', '["-year",2001]', '["-year",2001,0]', '["-year",2001,1,2]'):
        error = await refused({"cursor": forged.encode().hex(), "sort": "-year"})
        assert error["type"] == "content", forged
        assert error["msg"].startswith("cursor is not one this list gave out"), forged
    forged = '["title","' + "x" * 501 + '",1]'
    assert (await refused({"cursor": forged.encode().hex(), "sort": "title"}))["type"] == "content"
    error = await refused({"cursor": cursor, "sort": "-year", "page": 2})
    assert (error["loc"], error["type"]) == (["query", "page"], "conflict")
    # "+year" and "year" are one sort; a cursor with an unknown sort field is refused as such.
    plus = (await client.get(API, params={"page_size": 1, "sort": "+year"})).json()["next_cursor"]
    assert (await client.get(API, params={"cursor": plus, "sort": "year"})).status_code == 200
    assert (await refused({"cursor": plus, "sort": "nope"}))["type"] == "sort_field"


def test_a_cursor_reads_back_as_the_values_it_was_made_of() -> None:
    fields = sort_fields("-created_at", SORTABLE, default=LIST_DEFAULT_SORT)
    made = b'["-created_at","2026-03-04T05:06:07.89Z",42]'.hex()
    assert read_cursor(made.upper(), fields, "sqlite") == Keyset((STAMP,), 42, "sqlite")
    fields = sort_fields("quality,year", SORTABLE, default=LIST_DEFAULT_SORT)
    made = b'["quality,year",null,1999,7]'.hex()
    assert read_cursor(made, fields, "postgresql") == Keyset((None, 1999), 7, "postgresql")


# -- each page an index range -----------------------------------------------------------------------


async def _many_videos(client: httpx.AsyncClient, db: Database, count: int) -> None:
    """`count` videos, a quarter without a year or a quality, inserted in one statement."""
    artist_id = (await make_artist(client, "Bulk"))["id"]
    async with db.writer() as session:
        rows = [
            {
                "artist_id": artist_id,
                "title": f"T{n}",
                "sort_title": f"T{n}",
                "sort_key": f"t{n:05}",
                "search_text": f"t{n}",
                "year": None if n % 4 == 0 else 1960 + n % 60,
                "quality_score": None if n % 4 == 1 else n % 7 / 7,
                "created_at": STAMP,
                "updated_at": STAMP,
            }
            for n in range(count)
        ]
        await session.execute(insert(Video), rows)
        if db.engine.dialect.name == "postgresql":
            await session.execute(text("ANALYZE video"))
        await session.commit()


def _ranges(sort: str, after: tuple[Any, ...], dialect: str) -> list[Any]:
    """The statements that find a keyset page's ids, one per index range."""
    fields = sort_fields(sort, SORTABLE, default=LIST_DEFAULT_SORT)
    keyset = Keyset(after, 5000, dialect)
    return repository.page_ranges(VideoFilter(), fields, keyset)


async def _plan(db: Database, statement: Any, values: dict[str, Any]) -> str:
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    sql = statement.params(values).compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    async with db.reader() as session:
        return "\n".join(str(row[-1]) for row in await session.execute(text(explain + str(sql))))


def _values(after: tuple[Any, ...]) -> dict[str, Any]:
    return {"fetch": 51, "after_id": 5000, **{f"after_{n}": v for n, v in enumerate(after) if v is not None}}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("sort", SORTS[:-2])
async def test_every_keyset_page_on_sqlite_is_an_index_range(
    client: httpx.AsyncClient, db: Database, sort: str
) -> None:
    await _many_videos(client, db, 2000)
    column = SORTABLE[sort.lstrip("-")]
    sample = {"title": "t01000", "artist": "bulk", "status": "wanted", "kind": "official", "release_date": None}
    value = sample.get(sort.lstrip("-"), STAMP if "_at" in sort else 1999)
    for after in {(value,), (None,)} if column.nullable else {(value,)}:  # type: ignore[attr-defined]
        for statement in _ranges(sort, after, "sqlite"):
            plan = await _plan(db, statement, _values(after))
            assert "TEMP B-TREE" not in plan, (sort, after, plan)
            assert plan.startswith("SEARCH video USING "), (sort, after, plan)
            assert "INDEX ix_video_" in plan, (sort, after, plan)


@pytest.mark.postgres_only
async def test_keyset_pages_on_postgresql_are_index_ranges(client: httpx.AsyncClient, db: Database) -> None:
    await _many_videos(client, db, 8_000)
    cases = [("-created_at", (STAMP,)), ("title", ("t01000",)), ("year", (1999,)), ("-year", (1999,))]
    cases += [("-quality", (None,)), ("quality", (0.5,)), ("status", ("wanted",))]
    for sort, after in cases:
        for statement in _ranges(sort, after, "postgresql"):
            plan = await _plan(db, statement, _values(after))
            assert "Sort" not in plan, (sort, plan)
            assert "Seq Scan" not in plan, (sort, plan)
            assert "Index Only Scan" in plan or "Index Scan" in plan, (sort, plan)
            column = SORTABLE[sort.lstrip("-")].key
            assert re.search(rf"Index Cond: \(.*\b{column}\b", plan), (sort, plan)
