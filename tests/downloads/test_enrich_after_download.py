"""`metadata.enrich_after_download`: a successful download enqueues `video.enrich` for the video."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus, Video
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def _download(client: httpx.AsyncClient, db: Database, media_server: MediaServer, title: str) -> Any:
    artist = await make_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], title, sources=[{"url": media_server.url("/media/clip.mp4")}])
    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    return video, job


async def test_a_download_is_followed_by_enrichment_when_the_setting_is_on(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: Any,  # noqa: F811
    runner: Runner,
    media_server: MediaServer,
    library: Path,
) -> None:
    assert (await client.patch("/api/v1/settings", json={"metadata.enrich_after_download": True})).status_code == 200
    video, job = await _download(client, db, media_server, "Around the World")
    assert job.result is not None
    enrich = await wait_for(db, job.result["enrich_job"], within_s=60)
    assert enrich.type == "video.enrich"
    assert enrich.params == {"video_ids": [video["id"]]}
    assert enrich.status == JobStatus.SUCCEEDED, (enrich.error, enrich.error_detail)
    async with db.reader() as session:
        stored = await session.get(Video, video["id"])
        assert stored is not None
        assert stored.last_enriched_at is not None
        assert stored.directors == ["Michel Gondry"]


async def test_no_enrichment_after_download_by_default(
    client: httpx.AsyncClient,
    db: Database,
    provider_hub_on_fake: Any,  # noqa: F811
    runner: Runner,
    media_server: MediaServer,
    library: Path,
) -> None:
    _video, job = await _download(client, db, media_server, "Around the World")
    assert job.result is not None
    assert "enrich_job" not in job.result
    jobs = (await client.get("/api/v1/jobs", params={"type": "video.enrich"})).json()
    assert jobs["total"] == 0
