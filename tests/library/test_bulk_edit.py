"""Bulk edit of videos and artists: by ids or by the list filters; inline up to 500 rows, a job above;
genres added and removed, fields locked; audited; bad requests are 422 and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Artist, AuditEvent, JobStatus, QualityProfile, Video
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def _actions(db: Database) -> list[tuple[str, dict[str, Any]]]:
    async with db.reader() as session:
        rows = (await session.execute(select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.id))).all()
    return [(a, d) for a, d in rows]


async def test_videos_by_ids(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Portishead")
    a = await make_video(client, artist["id"], "Roads", genres=["Trip Hop"])
    b = await make_video(client, artist["id"], "Glory Box", genres=["Rock"])
    untouched = await make_video(client, artist["id"], "Sour Times")
    response = await client.patch(
        "/api/v1/videos",
        json={
            "ids": [a["id"], b["id"], 999999],
            "set": {
                "status": "ignored",
                "kind": "live",
                "monitored": False,
                "genres_add": ["Electronic", "trip-hop"],
                "genres_remove": ["rock"],
                "lock_fields": ["year"],
            },
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 2, "updated": 2, "job": None}
    for video_id, genres in ((a["id"], ["Electronic", "Trip Hop"]), (b["id"], ["Electronic", "Trip Hop"])):
        video = (await client.get(f"/api/v1/videos/{video_id}")).json()
        assert (video["status"], video["kind"], video["monitored"]) == ("ignored", "live", False)
        assert sorted(video["genres"], key=str.casefold) == sorted(genres, key=str.casefold)
        assert {"kind", "genres", "year"} <= set(video["locked_fields"])
    other = (await client.get(f"/api/v1/videos/{untouched['id']}")).json()
    assert (other["status"], other["kind"]) == ("wanted", "official")
    [(_action, details)] = [e for e in await _actions(db) if e[0] == "videos.bulk_edited"]
    assert details["count"] == 2
    assert details["changes"]["status"] == "ignored"


async def test_videos_by_filter_and_unlock(client: httpx.AsyncClient) -> None:
    first = await make_artist(client, "Air")
    second = await make_artist(client, "Moby")
    mine = await make_video(client, first["id"], "Sexy Boy", year=1998)
    theirs = await make_video(client, second["id"], "Porcelain", year=1999)
    await client.patch(f"/api/v1/videos/{mine['id']}", json={"album": "Moon Safari"})  # locks album
    response = await client.patch(
        "/api/v1/videos",
        json={"filter": {"artist_id": first["id"], "year_min": 1990}, "set": {"unlock_fields": ["album"]}},
    )
    assert response.json()["matched"] == 1
    assert "album" not in (await client.get(f"/api/v1/videos/{mine['id']}")).json()["locked_fields"]
    assert (await client.get(f"/api/v1/videos/{theirs['id']}")).json()["monitored"] is True


async def test_artists_by_filter(client: httpx.AsyncClient, db: Database) -> None:
    await make_artist(client, "Björk", genres=["Pop"])
    await make_artist(client, "Bjørn", genres=["Pop"])
    await make_artist(client, "Moby")
    async with db.reader() as session:
        profile_id = (await session.execute(select(QualityProfile.id).limit(1))).scalar_one()
    response = await client.patch(
        "/api/v1/artists",
        json={
            "filter": {"genre": "pop"},
            "set": {
                "monitored": False,
                "auto_download": True,
                "quality_profile_id": profile_id,
                "genres_remove": ["Pop"],
            },
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 2
    listed = (await client.get("/api/v1/artists", params={"monitored": "false"})).json()["items"]
    assert {a["name"] for a in listed} == {"Bjørn", "Björk"}
    assert all(a["genres"] == [] and a["auto_download"] for a in listed)
    full = (await client.get(f"/api/v1/artists/{listed[0]['id']}")).json()
    assert full["quality_profile_id"] == profile_id
    assert "genres" in full["locked_fields"]
    assert any(action == "artists.bulk_edited" for action, _ in await _actions(db))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/videos", {"set": {"monitored": False}}),
        ("/api/v1/videos", {"ids": [1], "filter": {}, "set": {"monitored": False}}),
        ("/api/v1/videos", {"ids": [1], "set": {}}),
        ("/api/v1/videos", {"ids": [1], "set": {"monitored": None}}),
        ("/api/v1/videos", {"ids": [1], "set": {"status": "bogus"}}),
        ("/api/v1/videos", {"ids": [1], "set": {"lock_fields": ["password"]}}),
        ("/api/v1/videos", {"ids": [1], "set": {"quality_profile_id": 1}}),
        ("/api/v1/artists", {"ids": [1], "set": {"quality_profile_id": 999999}}),
        ("/api/v1/artists", {"ids": [0], "set": {"monitored": True}}),
    ],
)
async def test_bad_requests_are_422_and_change_nothing(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    artist = await make_artist(client, "Air")
    video = await make_video(client, artist["id"], "Sexy Boy")
    response = await client.patch(path, json=body)
    assert response.status_code == 422, response.text
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["monitored"] is True
    assert (await client.get(f"/api/v1/artists/{artist['id']}")).json()["monitored"] is True


async def test_large_selection_runs_as_a_job_in_batches(
    client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    artist = await make_artist(client, "Prolific")
    async with db.writer() as session:
        await session.execute(
            insert(Video),
            [
                {"artist_id": artist["id"], "title": f"Song {i}", "sort_title": f"Song {i}", "search_text": f"song {i}"}
                for i in range(1203)
            ],
        )
        await session.commit()
    response = await client.patch(
        "/api/v1/videos", json={"filter": {"artist_id": artist["id"]}, "set": {"status": "ignored"}}
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["matched"] == 1203
    assert body["updated"] is None
    job = await wait_for(db, body["job"]["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"updated": 1203}
    async with db.reader() as session:
        ignored = await session.scalar(select(func.count()).select_from(Video).where(Video.status == "ignored"))
        batches = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "videos.bulk_edited")
        )
        artist_row = await session.get(Artist, artist["id"])
    assert ignored == 1203
    assert batches == 3, "one audit event per batch of 500"
    assert artist_row is not None
