"""Transient failures (500, dropped connection) retry with backoff; too little disk space refuses to start;
search results are ranked and stored on the job when the video has no known source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Download, JobStatus
from mvidarr.providers.hub import ProviderHub
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# The 500 answers yt-dlp's extraction (no transfer retries there); the dropped connection
# happens mid-transfer, which yt-dlp's downloader retries itself before giving up.
@pytest.mark.parametrize(("path", "min_hits"), [("/status/500", 1), ("/drop/clip.mp4", 3)])
async def test_transient_failure_is_retried_later_and_leaves_nothing(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    settings: Any,
    path: str,
    min_hits: int,
) -> None:
    artist = await make_artist(client, "Boards of Canada")
    video = await make_video(client, artist["id"], "Dayvan Cowboy", sources=[{"url": media_server.url(path)}])
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]

    job = await wait_for(db, job_id, statuses=[JobStatus.QUEUED], within_s=60)
    while job.attempts == 0:  # still queued for its first run
        job = await wait_for(db, job_id, statuses=[JobStatus.QUEUED, JobStatus.FAILED], within_s=60)
    assert job.status == JobStatus.QUEUED, "requeued for a retry, not failed"
    assert job.attempts == 1
    assert job.run_after is not None
    assert job.finished_at is None
    assert job.error is not None
    assert "transiently" in job.error
    seconds = (job.run_after - (job.started_at or job.run_after)).total_seconds()
    assert seconds >= 10, f"the retry waits (backoff), here {seconds:.0f} s"

    stored = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert stored["status"] == "queued"
    async with db.reader() as session:
        row = (await session.execute(select(Download).where(Download.job_id == job_id))).scalar_one()
    assert row.status == "failed"
    assert row.reason is not None
    assert row.reason.startswith("will retry")
    assert [f["kind"] for f in row.failures] == ["transient"], row.failures
    assert media_server.hits.count(path) >= min_hits, media_server.hits
    assert not files_under(library)
    assert not files_under(settings.data_dir / "tmp" / "downloads")


async def test_too_little_free_disk_space_refuses_to_start(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    changed = await client.patch("/api/v1/settings", json={"downloads.min_free_disk_mb": 10_000_000})
    assert changed.status_code == 200, changed.text
    artist = await make_artist(client, "Aphex Twin")
    video = await make_video(
        client, artist["id"], "Windowlicker", sources=[{"url": media_server.url("/media/clip.mp4")}]
    )
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=30)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert "not enough free disk space" in job.error
    assert "downloads.min_free_disk_mb" in job.error
    stored = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert stored["status"] == "failed"
    assert media_server.hits == [], "nothing was fetched"
    assert not files_under(library)
    history = (await client.get("/api/v1/activity/history", params={"outcome": "failed"})).json()
    assert "not enough free disk space" in history["items"][0]["download"]["reason"]


async def test_search_ranks_candidates_and_stores_them_on_the_job(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: ProviderHub,  # noqa: F811
    runner: Runner,
    library: Path,
) -> None:
    # Daft Punk's "Around the World" is in the fake YouTube search; nothing else in this test is known.
    artist = await make_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    # Blocklist what the search will find first, so the job never leaves the machine.
    ids = [v.youtube_id for a in ARTISTS for v in a.videos if a.name == "Daft Punk"]
    for youtube_id in ids:
        added = await client.post(
            "/api/v1/blocklist",
            json={"source_url": f"https://youtu.be/{youtube_id}", "video_id": video["id"], "reason": "test"},
        )
        assert added.status_code == 201, added.text

    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=30)
    assert job.status == JobStatus.FAILED
    assert job.result is not None
    candidates = job.result["candidates"]
    assert candidates, "the search results were stored on the job"
    best = candidates[0]
    assert best["origin"] == "search"
    assert not best["rejected"]
    assert "Around the World" in best["title"]
    assert any("VEVO" in reason for reason in best["reasons"]), best["reasons"]
    assert job.error is not None
    assert "blocklisted" in job.error
    scores = [c["score"] for c in candidates if not c["rejected"]]
    assert scores == sorted(scores, reverse=True)


async def test_a_search_that_cannot_reach_the_network_is_not_called_nothing_found(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: ProviderHub,  # noqa: F811
    runner: Runner,
    library: Path,
) -> None:
    from mvidarr.settings import service as settings_service
    from tests.fakes.fixtures import TEST_SEALER

    async with db.writer() as session:
        await settings_service.update_settings(
            session, {"providers.youtube.base_url": "http://unresolvable.invalid"}, sealer=TEST_SEALER
        )
        await session.commit()
    artist = await make_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    job = await wait_for(db, job_id, statuses=[JobStatus.QUEUED, JobStatus.FAILED], within_s=30)
    while job.attempts == 0:
        job = await wait_for(db, job_id, statuses=[JobStatus.QUEUED, JobStatus.FAILED], within_s=30)
    assert job.error is not None
    assert "search found nothing" not in job.error
    assert "the search could not run: YouTube search failed: the network is unreachable" in job.error
    assert job.status == JobStatus.QUEUED, "an unreachable network is worth another attempt"
    stored = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert stored["status"] == "queued"
