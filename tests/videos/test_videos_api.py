from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mvidarr.db import Database
from tests.conftest import StatementCounter
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_create_read_update_delete_video(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Beyoncé")
    video = await make_video(
        client,
        artist["id"],
        "Single Ladies (Put a Ring on It)",
        year=2008,
        kind="official",
        release_date="2008-10-13",
        directors=["Jake Nava"],
        genres=["R&B", "pop"],
        sources=[{"url": "https://www.youtube.com/watch?v=4m1EFMoRFvY", "kind": "youtube"}],
        youtube_id="4m1EFMoRFvY",
    )
    assert video["artist"] == {"id": artist["id"], "name": "Beyoncé"}
    assert video["genres"] == ["pop", "R&B"]
    assert video["status"] == "wanted"
    assert video["file"] is None
    assert video["release_date"] == "2008-10-13"
    assert video["created_at"].endswith("Z")

    updated = await client.patch(f"/api/v1/videos/{video['id']}", json={"title": "Single Ladies", "status": "ignored"})
    body = updated.json()
    assert (body["title"], body["status"]) == ("Single Ladies", "ignored")
    assert body["locked_fields"] == ["title"], "status is not metadata; title is locked after an edit"

    assert (await client.delete(f"/api/v1/videos/{video['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/videos/{video['id']}")).status_code == 404


async def test_video_for_missing_artist_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/videos", json={"artist_id": 999, "title": "Ghost"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "artist_id"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": "t", "kind": "bootleg"}, ["body", "kind"]),
        ({"title": "t", "status": "lost"}, ["body", "status"]),
        ({"title": "t", "year": 1492}, ["body", "year"]),
        ({"title": "t", "youtube_id": "short"}, ["body", "youtube_id"]),
        ({"title": "t", "sources": [{"url": "ftp://example.org/x", "kind": "other"}]}, ["body", "sources", 0, "url"]),
        ({"title": "t", "release_date": "2020-13-40"}, ["body", "release_date"]),
        ({"title": "t" * 501}, ["body", "title"]),
        ({"title": "t", "extra": 1}, ["body", "extra"]),
    ],
)
async def test_bad_video_bodies(client: httpx.AsyncClient, body: dict[str, object], loc: list[object]) -> None:
    artist = await make_artist(client, "Validator")
    response = await client.post("/api/v1/videos", json={"artist_id": artist["id"], **body})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert (await client.get("/api/v1/videos")).json()["total"] == 0


async def test_filters(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    a = await make_artist(client, "Daft Punk")
    b = await make_artist(client, "Justice")
    around = await make_video(client, a["id"], "Around the World", year=1997, genres=["House"], status="downloaded")
    await make_video(client, a["id"], "One More Time", year=2000, kind="live")
    dance = await make_video(client, b["id"], "D.A.N.C.E.", year=2007, kind="official", genres=["house"])
    await attach_file(db, around["id"], str(tmp_path), quality_label="720p", width=1280, height=720)
    await attach_file(db, dance["id"], str(tmp_path))

    async def ids(**params: object) -> list[int]:
        response = await client.get("/api/v1/videos", params={"sort": "year", **params})
        assert response.status_code == 200, response.text
        return [v["id"] for v in response.json()["items"]]

    assert await ids(artist_id=b["id"]) == [dance["id"]]
    assert await ids(status="downloaded") == [around["id"]]
    assert len(await ids(kind=["official", "live"])) == 3
    assert len(await ids(kind="live")) == 1
    assert await ids(year_min=1998, year_max=2005) == [(await ids(kind="live"))[0]]
    assert await ids(genre="HOUSE") == [around["id"], dance["id"]]
    assert await ids(has_file="true") == [around["id"], dance["id"]]
    assert len(await ids(has_file="false")) == 1
    assert await ids(quality_label="720p") == [around["id"]]
    assert await ids(q="daft world") == [around["id"]], "words match across title and artist"
    assert await ids(q="justice") == [dance["id"]]

    listed = (await client.get("/api/v1/videos", params={"quality_label": "1080p"})).json()["items"][0]
    assert listed["file"]["quality_label"] == "1080p"
    assert listed["artist"]["name"] == "Justice"


@pytest.mark.parametrize(
    "params",
    [
        {"year_min": 2010, "year_max": 2000},
        {"quality_label": "8K"},
        {"status": "lost"},
        {"sort": "description"},
        {"has_file": "perhaps"},
        {"artist_id": -3},
        {"q": "x" * 201},
    ],
)
async def test_bad_video_filters(client: httpx.AsyncClient, params: dict[str, object]) -> None:
    response = await client.get("/api/v1/videos", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_sorting(client: httpx.AsyncClient) -> None:
    zed = await make_artist(client, "Zed")
    abc = await make_artist(client, "ABC")
    v1 = await make_video(client, zed["id"], "Alpha", year=2001)
    v2 = await make_video(client, abc["id"], "Beta", year=1999)
    v3 = await make_video(client, abc["id"], "The Gamma", year=2001)

    async def order(sort: str) -> list[int]:
        return [v["id"] for v in (await client.get("/api/v1/videos", params={"sort": sort})).json()["items"]]

    assert await order("title") == [v1["id"], v2["id"], v3["id"]], "'The Gamma' sorts as 'Gamma, The'"
    assert await order("-year,title") == [v1["id"], v3["id"], v2["id"]]
    assert await order("artist,title") == [v2["id"], v3["id"], v1["id"]]
    assert await order("-created_at") == [v3["id"], v2["id"], v1["id"]]


async def test_list_needs_no_query_per_row(
    client: httpx.AsyncClient, db: Database, tmp_path: Path, count_statements: StatementCounter
) -> None:
    for n in range(3):
        artist = await make_artist(client, f"Band {n}")
        for m in range(20):
            video = await make_video(client, artist["id"], f"Song {m}", genres=["Rock"])
            if m % 2:
                await attach_file(db, video["id"], str(tmp_path))
    count_statements.statements.clear()
    response = await client.get("/api/v1/videos", params={"page_size": 50, "page": 1})
    assert len(response.json()["items"]) == 50
    assert len(count_statements.statements) == 1, count_statements.statements  # page and total together
    count_statements.statements.clear()
    response = await client.get("/api/v1/artists", params={"page_size": 2, "page": 1})
    assert len(count_statements.statements) == 1, count_statements.statements
    count_statements.statements.clear()
    beyond = await client.get("/api/v1/videos", params={"page_size": 50, "page": 9})
    assert beyond.json()["items"] == []
    assert beyond.json()["total"] == 60, "a page past the end still reports the total"
    assert len(count_statements.statements) == 1, count_statements.statements


async def test_artist_videos(client: httpx.AsyncClient) -> None:
    a = await make_artist(client, "Kate Bush")
    b = await make_artist(client, "Peter Gabriel")
    mine = await make_video(client, a["id"], "Running Up That Hill")
    await make_video(client, b["id"], "Sledgehammer")
    response = await client.get(f"/api/v1/artists/{a['id']}/videos")
    assert [v["id"] for v in response.json()["items"]] == [mine["id"]]
    assert (await client.get("/api/v1/artists/9999/videos")).status_code == 404


async def test_update_to_missing_artist_changes_nothing(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Air")
    video = await make_video(client, artist["id"], "Sexy Boy")
    response = await client.patch(f"/api/v1/videos/{video['id']}", json={"artist_id": 4242, "title": "Renamed"})
    assert response.status_code == 422
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["title"] == "Sexy Boy"


async def test_update_sources_fills_each_sources_default_kind(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Portishead")
    video = await make_video(client, artist["id"], "Glory Box")
    response = await client.patch(
        f"/api/v1/videos/{video['id']}", json={"sources": [{"url": "https://vimeo.com/1234"}]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["sources"] == [{"url": "https://vimeo.com/1234", "kind": "other"}]
