"""A download that fails in any phase leaves a truthful state: the video and its attempt end failed
with the reason (shown on Activity), nothing stays "downloading"; attempts left running by a process
that is gone are reconciled at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Download, DownloadOutcome, Job, JobStatus, RootFolder, Video, VideoStatus
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def _failed_history(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    history = (await client.get("/api/v1/activity/history", params={"outcome": "failed"})).json()
    return [item["download"] for item in history["items"]]


async def test_a_failure_while_placing_the_file_ends_failed_with_its_reason(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(library / "Portishead"))

    monkeypatch.setattr("mvidarr.organise.placement.place_file", refuse)
    artist = await make_artist(client, "Portishead")
    video = await make_video(client, artist["id"], "Glory Box", sources=[{"url": media_server.url("/media/clip.mp4")}])
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    job = await wait_for(db, job_id, within_s=90)

    assert job.status == JobStatus.FAILED
    assert job.error is not None
    stored = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert stored["status"] == "failed", "never left 'downloading'"
    [attempt] = await _failed_history(client)
    assert attempt["status"] == "failed"
    assert attempt["phase"] is None
    assert "Permission denied" in attempt["reason"]
    assert "could not put the file into the library" in attempt["reason"]
    retry = await client.post(f"/api/v1/videos/{video['id']}/download")
    assert retry.status_code == 202, "a failed download can be retried"


async def test_a_root_folder_removed_after_queueing_fails_before_fetching_anything(
    client: httpx.AsyncClient, db: Database, media_server: MediaServer, library: Path, app: Any, settings: Settings
) -> None:
    artist = await make_artist(client, "Massive Attack")
    video = await make_video(client, artist["id"], "Teardrop", sources=[{"url": media_server.url("/media/clip.mp4")}])
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    async with db.writer() as session:
        await session.execute(delete(RootFolder))
        await session.commit()
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=1, run_schedules=False)
    await worker.start()
    try:
        job = await wait_for(db, job_id, within_s=60)
    finally:
        await worker.stop(grace_s=1.0)
    assert job.status == JobStatus.FAILED
    assert not media_server.hits, "nothing was fetched with nowhere to put it"
    [attempt] = await _failed_history(client)
    assert "no root folder" in attempt["reason"]
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "failed"


async def test_attempts_left_running_by_a_dead_process_are_reconciled_at_start_up(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    artist = await make_artist(client, "Tricky")
    video = await make_video(client, artist["id"], "Hell Is Round the Corner")
    kept = await make_video(client, artist["id"], "Overcome")
    async with db.writer() as session:
        dead = Job(type="video.download", status=JobStatus.FAILED, params={"video_id": video["id"]}, priority=0)
        live = Job(type="video.download", status=JobStatus.QUEUED, params={"video_id": kept["id"]}, priority=0)
        session.add_all([dead, live])
        await session.flush()
        for job, video_id in ((dead, video["id"]), (live, kept["id"])):
            session.add(
                Download(
                    video_id=video_id, job_id=job.id, attempt=1, status=DownloadOutcome.RUNNING, phase="moving",
                    candidates=[], failures=[],
                )
            )  # fmt: skip
        await session.execute(
            update(Video).where(Video.id.in_([video["id"], kept["id"]])).values(status=VideoStatus.DOWNLOADING)
        )
        await session.commit()

    app = create_app(settings, database=db)
    async with app.router.lifespan_context(app):
        pass

    async with db.reader() as session:
        rows = {row.video_id: row for row in (await session.execute(select(Download))).scalars()}
        statuses = {row.id: row.status for row in await session.execute(select(Video.id, Video.status))}
    assert rows[video["id"]].status == DownloadOutcome.FAILED
    assert rows[video["id"]].phase is None
    assert rows[video["id"]].reason is not None
    assert "stopped" in rows[video["id"]].reason
    assert statuses[video["id"]] == VideoStatus.FAILED
    # A requeued job runs again: its video waits in the queue.
    assert rows[kept["id"]].status == DownloadOutcome.FAILED
    assert "runs again" in (rows[kept["id"]].reason or "")
    assert statuses[kept["id"]] == VideoStatus.QUEUED
