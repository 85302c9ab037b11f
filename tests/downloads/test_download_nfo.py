"""The NFO a download writes is the NFO a refresh writes: one builder, in organise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from mvidarr.organise.nfo_read import parse_nfo
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def test_a_downloads_nfo_equals_a_refreshs_and_has_featured_artists_genres_and_tags(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path, settings: Any
) -> None:
    artist = await make_artist(client, "Massive Attack")
    video = await make_video(
        client,
        artist["id"],
        "Teardrop",
        version="acoustic",
        kind="live",
        featured_artists=["Elizabeth Fraser"],
        genres=["trip hop", "electronic"],
        sources=[{"url": media_server.url("/media/clip.mp4")}],
    )
    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)

    [placed] = list(library.rglob("*.mp4"))
    nfo = placed.with_suffix(".nfo")
    downloaded = nfo.read_bytes()
    info = parse_nfo(downloaded)
    assert info is not None
    assert info.artists == ["Massive Attack", "Elizabeth Fraser"]
    assert info.genres == ["electronic", "trip hop"]
    assert info.tags == ["live", "acoustic"]
    assert info.streams is not None
    assert info.streams.video_codec == "h264"

    nfo.unlink()
    response = await client.post("/api/v1/library/nfo", json={"video_ids": [video["id"]]})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert nfo.read_bytes() == downloaded
