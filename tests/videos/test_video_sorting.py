"""Sorting the video list: case- and accent-insensitive on both databases, every sort read from an index,
the artist's name and the current file's quality copied onto the video by triggers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.dialects import sqlite

from mvidarr.db import Database
from mvidarr.kit.pagination import sort_clauses
from mvidarr.models import MediaFile, Video
from mvidarr.videos.repository import SORTABLE
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def _titles(client: httpx.AsyncClient, sort: str, **params: Any) -> list[str]:
    response = await client.get("/api/v1/videos", params={"sort": sort, "page_size": 100, **params})
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_titles_and_artists_sort_ignoring_case_accents_and_articles(client: httpx.AsyncClient) -> None:
    zappa = await make_artist(client, "zappa")
    bjork = await make_artist(client, "Björk")
    cure = await make_artist(client, "The Cure")
    abba = await make_artist(client, "ABBA")
    for artist, title in (
        (zappa, "zoo"), (bjork, "Éclair"), (cure, "apple"), (abba, "Äpfel"), (zappa, "Banana"), (cure, "The Zebra"),
    ):  # fmt: skip
        await make_video(client, artist["id"], title)
    assert await _titles(client, "title") == ["Äpfel", "apple", "Banana", "Éclair", "The Zebra", "zoo"]
    assert await _titles(client, "-title") == ["zoo", "The Zebra", "Éclair", "Banana", "apple", "Äpfel"]
    # ABBA, Björk, Cure (The), zappa; ties by id.
    assert await _titles(client, "artist") == ["Äpfel", "Éclair", "apple", "The Zebra", "zoo", "Banana"]

    # Renaming an artist moves their videos; so does moving a video to another artist.
    await client.patch(f"/api/v1/artists/{abba['id']}", json={"name": "Zz Top"})
    assert (await _titles(client, "artist"))[-1] == "Äpfel"
    banana = next(v for v in (await client.get("/api/v1/videos", params={"q": "banana"})).json()["items"])
    await client.patch(f"/api/v1/videos/{banana['id']}", json={"artist_id": bjork["id"]})
    assert (await _titles(client, "artist"))[:2] == ["Éclair", "Banana"]

    artists = (await client.get("/api/v1/artists", params={"sort": "name"})).json()["items"]
    assert [a["name"] for a in artists] == ["Björk", "The Cure", "zappa", "Zz Top"]


async def test_quality_sort_follows_the_current_file(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Quality Band")
    low, high, none = [await make_video(client, artist["id"], t) for t in ("Low", "High", "None")]
    await attach_file(db, low["id"], "/media/lib", relative_path="low.mp4", quality_score=20.0)
    high_file = await attach_file(db, high["id"], "/media/lib", relative_path="high.mp4", quality_score=90.0)
    # Where videos without a file go is each database's own (NULL sorts first on SQLite, last on PostgreSQL).
    sorted_titles = await _titles(client, "-quality", q="quality band")
    assert [t for t in sorted_titles if t != "None"] == ["High", "Low"]
    async with db.writer() as session:
        await session.execute(update(MediaFile).where(MediaFile.id == high_file).values(quality_score=10.0))
        await session.commit()
    assert [t for t in await _titles(client, "-quality", q="quality band") if t != "None"] == ["Low", "High"]
    async with db.writer() as session:
        await session.execute(update(MediaFile).where(MediaFile.id == high_file).values(is_current=False))
        await session.commit()
        scores = dict((await session.execute(select(Video.title, Video.quality_score))).all())
    assert scores == {"Low": 20.0, "High": None, "None": None}
    async with db.writer() as session:
        await session.execute(MediaFile.__table__.delete().where(MediaFile.video_id == low["id"]))
        await session.commit()
        assert await session.scalar(select(Video.quality_score).where(Video.id == low["id"])) is None
    assert none["id"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("sort", sorted(SORTABLE))
async def test_every_sort_is_read_from_an_index(db: Database, sort: str) -> None:
    for spec in (sort, f"-{sort}"):
        order = sort_clauses(spec, SORTABLE, default="-created_at", tiebreak=Video.id)
        stmt = select(Video.id).order_by(*order).offset(10_000).limit(50)
        sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        async with db.reader() as session:
            plan = [str(row[-1]) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        assert not any("TEMP B-TREE" in step for step in plan), (spec, plan)
        assert any("USING COVERING INDEX" in step or "USING INDEX" in step for step in plan), (spec, plan)
