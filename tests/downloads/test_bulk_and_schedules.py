"""Bulk downloads (ids or a filter), the auto-download schedule, the rate limit and the concurrency setting."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobStatus, Role, Video
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("library")]  # downloads need a root folder


async def _children(db: Database, parent_id: int) -> list[Job]:
    async with db.reader() as session:
        rows = await session.execute(select(Job).where(Job.parent_id == parent_id).order_by(Job.id))
        return list(rows.scalars())


async def test_bulk_by_ids_downloads_each_video_as_a_child_job(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Chemical Brothers")
    url = media_server.url("/media/clip.mp4")
    a = await make_video(client, artist["id"], "Star Guitar", sources=[{"url": url}])
    b = await make_video(client, artist["id"], "Let Forever Be", sources=[{"url": url}])
    response = await client.post("/api/v1/videos/download", json={"video_ids": [a["id"], b["id"], a["id"]]})
    assert response.status_code == 202, response.text
    parent = await wait_for(db, response.json()["id"], within_s=90)
    assert parent.status == JobStatus.SUCCEEDED, parent.error
    children = await _children(db, parent.id)
    assert sorted(c.params["video_id"] for c in children) == sorted([a["id"], b["id"]]), "one child per video"
    for child in children:
        done = await wait_for(db, child.id, within_s=90)
        assert done.status == JobStatus.SUCCEEDED, done.error
    for video in (a, b):
        assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "downloaded"
    assert len(list(library.rglob("*.mp4"))) == 2


async def test_bulk_by_filter_takes_the_matching_videos(client: httpx.AsyncClient, db: Database) -> None:
    mine = await make_artist(client, "Orbital")
    other = await make_artist(client, "Underworld")
    wanted = await make_video(client, mine["id"], "Halcyon")
    await make_video(client, mine["id"], "Chime", status="ignored")
    await make_video(client, other["id"], "Born Slippy")
    response = await client.post("/api/v1/videos/download", json={"filter": {"artist_id": mine["id"]}})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["type"] == "video.download_bulk"
    assert job["params"]["video_ids"] == [wanted["id"]]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body"]),
        ({"video_ids": [1], "filter": {}}, ["body"]),
        ({"video_ids": []}, ["body", "video_ids"]),
        ({"video_ids": [999_999]}, ["body", "video_ids"]),
        ({"filter": {"artist_id": 999_999}}, ["body", "filter"]),
        ({"filter": {"status": ["lost"]}}, ["body", "filter", "status", 0]),
    ],
)
async def test_bad_bulk_requests(client: httpx.AsyncClient, body: dict[str, Any], loc: list[Any]) -> None:
    response = await client.post("/api/v1/videos/download", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert (await client.get("/api/v1/jobs")).json()["total"] == 0


async def _set_created(db: Database, video_id: int, seconds_ago: int) -> None:
    async with db.writer() as session:
        video = await session.get(Video, video_id)
        assert video is not None
        video.discovered_at = None
        video.created_at = video.created_at - timedelta(seconds=seconds_ago)
        await session.commit()


async def test_auto_download_queues_oldest_wanted_of_auto_artists(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    auto = await make_artist(client, "Leftfield", auto_download=True)
    manual = await make_artist(client, "Faithless")
    unmonitored = await make_artist(client, "Moloko", auto_download=True, monitored=False)
    sources = [{"url": media_server.url("/media/clip.mp4")}]
    newest = await make_video(client, auto["id"], "Open Up", sources=sources)
    oldest = await make_video(client, auto["id"], "Release the Pressure", sources=sources)
    middle = await make_video(client, auto["id"], "Afro-Left", sources=sources)
    await make_video(client, auto["id"], "Original", sources=sources, status="ignored")
    await make_video(client, manual["id"], "Insomnia", sources=sources)
    await make_video(client, unmonitored["id"], "Sing It Back", sources=sources)
    for video, age in ((newest, 10), (oldest, 300), (middle, 100)):
        await _set_created(db, video["id"], age)

    started = await client.post("/api/v1/jobs", json={"type": "downloads.auto", "params": {"limit": 2}})
    assert started.status_code == 202, started.text
    job = await wait_for(db, started.json()["id"], within_s=90)
    assert job.status == JobStatus.SUCCEEDED, job.error  # its children downloaded
    assert job.result is not None
    assert job.result["queued"] == [oldest["id"], middle["id"]]
    assert [c.params["video_id"] for c in await _children(db, job.id)] == [oldest["id"], middle["id"]]

    assert (await client.patch("/api/v1/settings", json={"downloads.auto_download_limit": 0})).status_code == 200
    off = await wait_for(
        db, (await client.post("/api/v1/jobs", json={"type": "downloads.auto", "params": {}})).json()["id"]
    )
    assert off.status == JobStatus.SUCCEEDED
    assert off.result == {"queued": []}


async def test_auto_download_and_upgrade_search_are_default_schedules(client: httpx.AsyncClient) -> None:
    schedules = (await client.get("/api/v1/schedules")).json()
    items = schedules["items"] if isinstance(schedules, dict) else schedules
    by_type = {s["job_type"]: s for s in items}
    assert by_type["downloads.auto"]["interval_s"] == 3600
    assert by_type["downloads.upgrade_search"]["cron"] == "30 4 * * 0"


async def test_rate_limit_setting_slows_the_transfer(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    assert (await client.patch("/api/v1/settings", json={"downloads.rate_limit_kib_s": 250})).status_code == 200
    artist = await make_artist(client, "Mogwai")
    video = await make_video(client, artist["id"], "Auto Rock", sources=[{"url": media_server.url("/media/clip.mp4")}])
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    entry = (await client.get("/api/v1/activity/history")).json()["items"][0]["download"]
    floor_s = entry["size"] / (250 * 1024)
    assert entry["elapsed_s"] >= 0.8 * floor_s, (entry["elapsed_s"], floor_s)
    assert entry["speed"] is not None
    assert entry["speed"] <= 1.5 * 250 * 1024, entry["speed"]


async def test_concurrency_setting_limits_running_downloads(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    assert (await client.patch("/api/v1/settings", json={"downloads.max_concurrent": 1})).status_code == 200
    media_server.slow_bytes_per_s = 1_000_000
    artist = await make_artist(client, "Slowdive")
    slow = [{"url": media_server.url("/slow/clip.mp4")}]
    ids = [
        (await make_video(client, artist["id"], title, sources=slow))["id"] for title in ("Alison", "When the Sun Hits")
    ]
    jobs = [(await client.post(f"/api/v1/videos/{i}/download")).json()["id"] for i in ids]
    most = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        async with db.reader() as session:
            running = await session.scalar(
                select(func.count()).select_from(Job).where(Job.type == "video.download", Job.status == "running")
            )
            finished = await session.scalar(
                select(func.count()).select_from(Job).where(Job.id.in_(jobs), Job.status == "succeeded")
            )
        most = max(most, int(running or 0))
        if finished == len(jobs):
            break
        await asyncio.sleep(0.02)
    assert finished == len(jobs)
    assert most == 1, "two slots, but the setting lets one download run at a time"


async def test_users_download_many_by_ids_but_not_by_filter(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "One More Time")
    user = await client_as(Role.USER)
    by_ids = await user.post("/api/v1/videos/download", json={"video_ids": [video["id"]]})
    assert by_ids.status_code == 202, by_ids.text
    for body in ({"filter": {"artist_id": artist["id"]}}, {"selection": {"artist_id": artist["id"]}}):
        refused = await user.post("/api/v1/videos/download", json=body)
        assert refused.status_code == 403, refused.text
        assert "manager" in refused.json()["detail"]
    reader = await client_as(Role.READONLY)
    assert (await reader.post("/api/v1/videos/download", json={"video_ids": [video["id"]]})).status_code == 403
