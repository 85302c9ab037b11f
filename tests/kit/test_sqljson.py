"""Pages built as JSON by the database say exactly what the pydantic schemas would say.

The video and artist lists are built in SQL (mvidarr.kit.sqljson); here its output is compared, field by field
and in order, with `VideoListItem` made from the ORM rows, on awkward values: timestamps with and
without microseconds, quotes, backslashes, control characters and non-ASCII text, floats, booleans,
missing files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mvidarr.artists.schemas import ArtistListItem
from mvidarr.db import Database
from mvidarr.models import Artist, Genre, MediaFile, Video, VideoGenre
from mvidarr.videos.schemas import ArtistRef, FileSummary, VideoListItem, VideoPublic
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio

TITLES = [
    'Say "Hello" \\ Goodbye',
    "Jóga - Ünïcode ✓ 日本語 🎵",
    "Tab\tand newline\nin title",
    "Plain",
    "It's </script> <b>bold</b>",
]
STAMPS = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC),
    datetime(2030, 6, 1, 0, 0, 0, tzinfo=UTC),
]


async def _expected(db: Database, ids: list[int]) -> list[dict[str, Any]]:
    async with db.reader() as session:
        videos = {
            v.id: v
            for v in (
                await session.execute(select(Video).options(selectinload(Video.artist)).where(Video.id.in_(ids)))
            ).scalars()
        }
        files = {
            f.video_id: f
            for f in (
                await session.execute(
                    select(MediaFile).where(MediaFile.video_id.in_(ids), MediaFile.is_current.is_(True))
                )
            ).scalars()
        }
    out = []
    for video_id in ids:
        v = videos[video_id]
        f = files.get(video_id)
        item = VideoListItem(
            id=v.id,
            artist=ArtistRef(id=v.artist.id, name=v.artist.name),
            title=v.title,
            version=v.version,
            kind=v.kind,
            status=v.status,
            monitored=v.monitored,
            year=v.year,
            duration_s=v.duration_s,
            album=v.album,
            file=FileSummary.model_validate(f) if f is not None else None,
            has_thumbnail=v.thumbnail_path is not None,
            created_at=v.created_at,
        )
        out.append(item.model_dump(mode="json"))
    return out


async def test_the_video_list_built_in_sql_matches_the_schema(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    artist = await make_artist(client, "Björk \"Guðmundsdóttir\" \\ 'quoted'")
    ids = []
    for n, (title, stamp) in enumerate(zip(TITLES, STAMPS, strict=True)):
        fields: dict[str, Any] = {"year": 1990 + n, "monitored": n % 2 == 0}
        if n != 3:
            fields["duration_s"] = 215.25 + n if n else 215.0
            fields["album"] = f"Album {title}"
        video = await make_video(client, artist["id"], title, **fields)
        ids.append(video["id"])
        async with db.writer() as session:
            row = await session.get(Video, video["id"])
            assert row is not None
            row.created_at = stamp
            await session.commit()
        if n % 2:
            await attach_file(db, video["id"], str(tmp_path), quality_score=0.1 + n / 3, size=2**40 + n)

    for sort in ("title", "-created_at", "year", "-duration_s", "quality"):
        response = await client.get("/api/v1/videos", params={"page_size": 3, "page": 1, "sort": sort})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["total"] == 5
        assert (body["page"], body["page_size"]) == (1, 3)
        got = [item["id"] for item in body["items"]]
        assert body["items"] == await _expected(db, got), sort
        assert len(got) == 3
    # Every item, over two pages, in created_at order (the default, newest first).
    first = (await client.get("/api/v1/videos", params={"page_size": 3})).json()["items"]
    second = (await client.get("/api/v1/videos", params={"page_size": 3, "page": 2})).json()["items"]
    by_age = sorted(zip(STAMPS, ids, strict=True), reverse=True)
    assert [i["id"] for i in first + second] == [i for _, i in by_age]
    assert first + second == await _expected(db, [i for _, i in by_age])
    stamps = {i["id"]: i["created_at"] for i in first + second}
    assert stamps[ids[0]] == "2026-01-02T03:04:05Z"
    assert stamps[ids[1]] == "2026-01-02T03:04:05.120000Z"
    assert stamps[ids[3]] == "2026-01-02T03:04:05.000001Z"


async def test_an_empty_library_and_a_page_past_the_end(client: httpx.AsyncClient) -> None:
    empty = (await client.get("/api/v1/videos")).json()
    assert empty == {"items": [], "total": 0, "page": 1, "page_size": 50, "next_cursor": None}
    artist = await make_artist(client, "Solo")
    await make_video(client, artist["id"], "Only")
    past = (await client.get("/api/v1/videos", params={"page": 5, "page_size": 10})).json()
    assert past == {"items": [], "total": 1, "page": 5, "page_size": 10, "next_cursor": None}


async def test_the_artist_list_built_in_sql_matches_the_detail(client: httpx.AsyncClient, db: Database) -> None:
    first = await make_artist(client, 'AC/DC "Live" \\ Ünïcode', genres=["Rock", "hard rock", "Électro", "Hip-Hop"])
    second = await make_artist(client, "Zed", monitored=False)
    for title in ("One", "Two"):
        await make_video(client, first["id"], title)
    async with db.writer() as session:
        row = await session.get(Artist, first["id"])
        assert row is not None
        row.created_at = STAMPS[1]
        await session.commit()
    body = (await client.get("/api/v1/artists", params={"sort": "-video_count"})).json()
    assert body["total"] == 2
    assert [a["id"] for a in body["items"]] == [first["id"], second["id"]]
    for item in body["items"]:
        detail = (await client.get(f"/api/v1/artists/{item['id']}")).json()
        assert item == {key: detail[key] for key in ArtistListItem.model_fields}
        assert ArtistListItem.model_validate(item).model_dump(mode="json") == item
    listed = body["items"][0]
    assert listed["genres"] == ["Électro", "hard rock", "Hip-Hop", "Rock"]
    assert (listed["video_count"], listed["monitored"], body["items"][1]["monitored"]) == (2, True, False)
    assert listed["created_at"] == "2026-01-02T03:04:05.120000Z"
    assert body["items"][1]["genres"] == []


async def _expected_detail(db: Database, video_id: int) -> dict[str, Any]:
    """VideoPublic made by pydantic from the ORM rows, as the API answered before the SQL document."""
    async with db.reader() as session:
        video = (
            await session.execute(select(Video).options(selectinload(Video.artist)).where(Video.id == video_id))
        ).scalar_one()
        file = (
            await session.execute(
                select(MediaFile).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True))
            )
        ).scalar_one_or_none()
        names = (
            await session.execute(
                select(Genre.name).join(VideoGenre).where(VideoGenre.video_id == video_id).order_by(Genre.key)
            )
        ).scalars()
        data = {column.key: getattr(video, column.key) for column in Video.__table__.columns}
        data.update(
            artist=ArtistRef(id=video.artist.id, name=video.artist.name),
            file=FileSummary.model_validate(file) if file is not None else None,
            has_thumbnail=video.thumbnail_path is not None,
            genres=list(names),
        )
    return VideoPublic.model_validate(data).model_dump(mode="json")


async def test_the_video_detail_built_in_sql_matches_the_schema(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    artist = await make_artist(client, "Sigur Rós")
    plain = await make_video(client, artist["id"], "Plain")
    full = await make_video(
        client,
        artist["id"],
        TITLES[0],
        version="director's cut",
        kind="live",
        year=2001,
        release_date="2001-02-03",
        duration_s=0.43333333333333335,
        album=TITLES[1],
        label="Label \"L\" \\ 'x'",
        description=TITLES[2] + " " + TITLES[4],
        featured_artists=["Jónsi", 'A "B"'],
        directors=["Floria Sigismondi"],
        producers=[],
        imvdb_id=2**53,
        musicbrainz_recording_id="0b4f0c6a-3f0e-4b5e-9a1f-2c3d4e5f6a7b",
        youtube_id="dQw4w9WgXcQ",
        sources=[{"url": "https://example.com/v?a=1&b=\u00e9", "kind": "vimeo"}],
        genres=["Post-Rock", "ambient", "Électro"],
    )
    async with db.writer() as session:
        row = await session.get(Video, full["id"])
        assert row is not None
        row.created_at, row.updated_at = STAMPS[2], STAMPS[3]
        row.discovered_at, row.last_enriched_at = STAMPS[0], STAMPS[1]
        row.view_count, row.like_count = 2**40, 0
        row.thumbnail_path = "thumb.jpg"
        row.locked_fields = ["title", "year"]
        row.field_provenance = {"title": {"source": "imvdb", "confidence": 0.9333333333333333}, "year": "user"}
        await session.commit()
    await attach_file(db, full["id"], str(tmp_path), quality_score=1 / 3, duration_s=None, size=2**40)

    for video in (plain, full):
        response = await client.get(f"/api/v1/videos/{video['id']}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body == await _expected_detail(db, video["id"])
        assert list(body) == list(VideoPublic.model_fields), "fields in the schema's order"
    body = (await client.get(f"/api/v1/videos/{full['id']}")).json()
    assert body["genres"] == ["ambient", "Électro", "Post-Rock"]
    assert (body["created_at"], body["updated_at"]) == ("1999-12-31T23:59:59.999999Z", "2026-01-02T03:04:05.000001Z")
    assert (body["has_thumbnail"], body["file"]["quality_score"]) == (True, 1 / 3)
    assert body["field_provenance"]["title"]["confidence"] == 0.9333333333333333
    missing = await client.get("/api/v1/videos/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_a_document_is_derived_from_its_schema_and_refuses_gaps() -> None:
    """`sqljson.document` takes the schema's fields in order: a field the SQL cannot fill, or a value
    for no field, is an error when the statement is built, not a silently different document."""
    from pydantic import BaseModel
    from sqlalchemy.dialects import sqlite

    from mvidarr.kit import sqljson

    class WithExtra(ArtistRef):
        nickname: str

    with pytest.raises(TypeError, match=r"no source for WithExtra\.nickname"):
        sqljson.document(WithExtra, Artist)
    with pytest.raises(TypeError, match="has no field nickname"):
        sqljson.document(ArtistRef, Artist, nickname=Artist.name)

    class Flags(BaseModel):
        monitored: bool
        created_at: datetime | None
        name: str

    sql = str(select(sqljson.document(Flags, Artist)).compile(dialect=sqlite.dialect()))
    assert sql.index("'monitored'") < sql.index("'created_at'") < sql.index("'name'")
    assert "json('true')" in sql, "a boolean written as pydantic writes it"
    assert "substr(artist.created_at" in sql, "a timestamp written as pydantic writes it"
