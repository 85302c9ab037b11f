"""After an import, the thumbnails 0.9.7 showed are fetched through the network policy by a job of
their own; a picture that cannot be had is reported with its reason and leaves no picture."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.jobs import service as jobs
from mvidarr.jobs.runner import Runner
from mvidarr.legacy import tasks
from mvidarr.models import Artist, Job, JobLog, JobStatus, RootFolder, Video
from tests.conftest import allow_private_hosts
from tests.fakes.fixtures import fake_upstream, fake_upstream_server
from tests.fakes.upstream import FakeUpstream
from tests.fixtures.legacy097 import LegacyDatabase, Realistic
from tests.jobs.helpers import load, wait_for

pytestmark = pytest.mark.anyio
__all__ = ["fake_upstream", "fake_upstream_server"]  # fixtures, used by name


async def test_thumbnails_are_fetched_after_the_import_through_the_network_policy(
    client: httpx.AsyncClient,
    app: Any,
    db: Database,
    runner: Runner,
    settings: Settings,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    fake_upstream: FakeUpstream,
) -> None:
    images = f"{fake_upstream.base}/images"
    legacy_db.execute("UPDATE artists SET thumbnail_url = %s WHERE id = 1", f"{images}/bjork.jpg")
    legacy_db.execute("UPDATE videos SET thumbnail_url = %s WHERE id = 1", f"{images}/army.jpg")
    legacy_db.execute("UPDATE videos SET thumbnail_url = %s WHERE id = 4", f"{images}/missing-genie.jpg")
    # A private address nobody listed: the policy refuses it, no connection is made.
    legacy_db.execute("UPDATE videos SET thumbnail_url = 'http://10.11.12.13/gee.jpg' WHERE id = 3")
    await allow_private_hosts(app, ["127.0.0.1"])
    response = await client.post("/api/v1/legacy-import", json={"url": legacy_db.url, "dry_run": False})
    assert response.status_code == 202, response.text
    imported = await wait_for(db, response.json()["id"], within_s=60)
    assert imported.status == "succeeded", (imported.error, imported.error_detail)
    assert imported.result is not None
    assert imported.result["thumbnails_to_fetch"] == 4
    [thumbnails_job] = imported.result["queued_jobs"]  # no root folder here: no scan

    job = await wait_for(db, thumbnails_job, within_s=60)
    assert job.status == "succeeded", (job.error, job.error_detail)
    assert job.type == "legacy.thumbnails"
    assert job.result is not None
    assert (job.result["fetched"], job.result["failed"]) == (2, 2)
    reasons = {f["url"].rsplit("/", 1)[-1]: f["reason"] for f in job.result["failures"]}
    assert "404" in reasons["missing-genie.jpg"]
    assert "refused by the network policy" in reasons["gee.jpg"]
    async with db.reader() as session:
        bjork = (await session.execute(select(Artist).where(Artist.name == "Björk"))).scalar_one()
        videos = {v.title: v for v in (await session.execute(select(Video))).scalars()}
        logs = list((await session.execute(select(JobLog.message).where(JobLog.job_id == thumbnails_job))).scalars())
    assert bjork.thumbnail_path is not None
    assert bjork.artwork_source == "MVidarr 0.9.7"
    assert (Path(settings.data_dir) / bjork.thumbnail_path).is_dir()
    assert videos["Army of Me"].thumbnail_path is not None
    assert videos["Genie"].thumbnail_path is None
    assert videos["Gee 🎵"].thumbnail_path is None
    assert any("gee.jpg not stored" in line for line in logs)
    fetched = sorted(r.path for r in fake_upstream.sent("images"))
    assert fetched == ["/army.jpg", "/bjork.jpg", "/missing-genie.jpg"]


async def test_the_fetch_waits_for_the_scans_of_the_import(
    app: Any, db: Database, runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "WAIT_FOR_SCANS_S", 0.2)
    async with db.writer() as session:
        root = RootFolder(path="/nowhere/library", name="Library")
        session.add(root)
        await session.flush()
        # A scan that is not due yet stands for one still running.
        scan, _ = await jobs.enqueue(
            session,
            app.state.events,
            "library.scan",
            {"root_folder_id": root.id},
            run_after=utcnow() + timedelta(hours=1),
        )
        thumbnails_job, _ = await jobs.enqueue(
            session,
            app.state.events,
            tasks.THUMBNAILS,
            tasks.LegacyThumbnailsParams(source="mvidarr", after_jobs=[scan.id]),
        )
        await session.commit()
    # It goes back to the queue, waiting (not failing), as long as the scan has not finished.
    waiting = await wait_for(db, thumbnails_job.id, statuses=[JobStatus.QUEUED], within_s=10)
    for _ in range(20):
        waiting = await load(db, thumbnails_job.id)
        if waiting.message:
            break
        await asyncio.sleep(0.1)
    assert waiting.message == f"waiting for the scans [{scan.id}] to finish"
    await asyncio.sleep(1.0)
    waiting = await load(db, thumbnails_job.id)
    assert waiting.status in ("queued", "running")
    assert waiting.error is None  # waiting is not failing
    async with db.writer() as session:
        await session.execute(update(Job).where(Job.id == scan.id).values(status="succeeded", finished_at=utcnow()))
        await session.commit()
    done = await wait_for(db, thumbnails_job.id, within_s=30)
    assert done.status == "succeeded", (done.error, done.error_detail)
    assert done.result == {"fetched": 0, "failed": 0, "failures": []}
