"""`video.download` end to end: real yt-dlp against a local server, placement through the organiser."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Download, JobStatus, MediaFile, Video
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for
from tests.notifications.helpers import outbox

pytestmark = pytest.mark.anyio


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


async def test_direct_mp4_is_placed_probed_and_recorded(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path, settings: Any
) -> None:
    artist = await make_artist(client, "Portishead")
    video = await make_video(client, artist["id"], "Glory Box", sources=[{"url": media_server.url("/media/clip.mp4")}])
    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "queued"

    job = await wait_for(db, job_id, within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result is not None
    assert job.result["quality_label"] == "360p"
    assert job.result["candidates"][0]["url"] == media_server.url("/media/clip.mp4")

    placed = files_under(library)
    videos = [p for p in placed if p.suffix == ".mp4"]
    assert len(videos) == 1, placed
    assert videos[0].name.startswith("Portishead - Glory Box")
    nfo = videos[0].with_suffix(".nfo").read_text()
    assert "<title>Glory Box</title>" in nfo
    assert "<artist>Portishead</artist>" in nfo
    async with db.reader() as session:
        row = (await session.execute(select(MediaFile).where(MediaFile.video_id == video["id"]))).scalar_one()
        assert (row.quality_label, row.video_codec, row.is_current) == ("360p", "h264", True)
        stored = await session.get(Video, video["id"])
        assert stored is not None
        assert stored.status == "downloaded"
        assert stored.thumbnail_path is not None
    assert not files_under(settings.data_dir / "tmp" / "downloads"), "no leftovers in the temp folder"

    history = (await client.get("/api/v1/activity/history")).json()
    assert history["total"] == 1
    entry = history["items"][0]["download"]
    assert entry["status"] == "succeeded"
    assert entry["size"] == videos[0].stat().st_size
    assert entry["quality_label"] == "360p"
    assert entry["relative_path"].endswith(".mp4")
    raised = await outbox(db, "video.downloaded")
    assert len(raised) == 1
    assert raised[0]["path"] == str(videos[0])
    assert raised[0]["video_id"] == video["id"]
    assert (raised[0]["artist"], raised[0]["title"], raised[0]["quality"]) == ("Portishead", "Glory Box", "360p")


async def test_merge_of_separate_video_and_audio(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Massive Attack")
    video = await make_video(client, artist["id"], "Teardrop")
    url = media_server.url("/dash/720.mpd")
    response = await client.post(f"/api/v1/videos/{video['id']}/download", json={"source_url": url})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    async with db.reader() as session:
        row = (await session.execute(select(MediaFile).where(MediaFile.video_id == video["id"]))).scalar_one()
    assert (row.quality_label, row.video_codec, row.audio_codec) == ("720p", "h264", "aac"), "merged by ffmpeg"


async def test_failover_lists_every_reason_then_succeeds(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path, settings: Any
) -> None:
    artist = await make_artist(client, "Björk")
    sources = [
        {"url": media_server.url("/status/404")},
        {"url": media_server.url("/media/text.mp4")},
        {"url": media_server.url("/media/clip.mp4")},
    ]
    video = await make_video(client, artist["id"], "Joga", sources=sources)
    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    job = await wait_for(db, response.json()["id"], within_s=90)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result is not None
    kinds = [f["kind"] for f in job.result["failures"]]
    assert kinds == ["unavailable", "not_media"], job.result["failures"]
    assert job.result["source_url"] == sources[2]["url"]
    assert [p.suffix for p in files_under(library) if p.suffix == ".mp4"] == [".mp4"]
    assert not files_under(settings.data_dir / "tmp" / "downloads")


async def test_all_sources_failing_fails_the_video_with_reasons(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Sigur Rós")
    sources = [{"url": media_server.url("/status/404")}, {"url": media_server.url("/media/text.mp4")}]
    video = await make_video(client, artist["id"], "Hoppípolla", sources=sources)
    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert "404" in job.error
    assert "text.mp4: " in job.error
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "failed"
    assert not files_under(library)
    failed = (await client.get("/api/v1/activity/history", params={"outcome": "failed"})).json()
    assert failed["total"] == 1
    assert len(failed["items"][0]["download"]["failures"]) == 2
    assert [e["video_id"] for e in await outbox(db, "download.failed")] == [video["id"]]
    assert [e["job_type"] for e in await outbox(db, "job.failed")] == ["video.download"]


async def test_file_that_probing_cannot_read_is_never_placed(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    assert (await client.patch("/api/v1/settings", json={"downloads.embed_metadata": False})).status_code == 200
    artist = await make_artist(client, "Moby")
    video = await make_video(client, artist["id"], "Porcelain", sources=[{"url": media_server.url("/media/text.mp4")}])
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=60)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert "not a playable file" in job.error
    assert not files_under(library)


async def test_blocklisted_source_is_skipped_and_override_refused(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Air")
    bad, good = media_server.url("/media/text.mp4"), media_server.url("/media/clip.mp4")
    video = await make_video(client, artist["id"], "Sexy Boy", sources=[{"url": bad}, {"url": good}])
    added = await client.post("/api/v1/blocklist", json={"source_url": bad, "video_id": video["id"], "reason": "wrong"})
    assert added.status_code == 201, added.text
    again = await client.post("/api/v1/blocklist", json={"source_url": bad + "#x", "video_id": video["id"]})
    assert again.status_code == 409
    refused = await client.post(f"/api/v1/videos/{video['id']}/download", json={"source_url": bad})
    assert refused.status_code == 409

    response = await client.post(f"/api/v1/videos/{video['id']}/download")
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["failures"] == []
    assert bad.split("//")[1] not in " ".join(media_server.hits), "the blocklisted source was never fetched"

    listed = (await client.get("/api/v1/blocklist", params={"video_id": video["id"]})).json()
    assert listed["total"] == 1
    assert (await client.delete(f"/api/v1/blocklist/{listed['items'][0]['id']}")).status_code == 204
    assert (await client.get("/api/v1/blocklist")).json()["total"] == 0


async def test_cancel_mid_download_kills_the_transfer_and_cleans_up(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path, settings: Any
) -> None:
    media_server.slow_bytes_per_s = 300_000
    artist = await make_artist(client, "Radiohead")
    video = await make_video(
        client, artist["id"], "Karma Police", sources=[{"url": media_server.url("/slow/long.mp4")}]
    )
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        queue = (await client.get("/api/v1/activity/queue")).json()
        item = queue["items"][0] if queue["items"] else None
        if item and item["job"]["progress"] > 0.05 and item["download"] and item["download"]["downloaded_bytes"]:
            seen = item
            break
        await asyncio.sleep(0.1)
    assert seen, "progress was reported while the download ran"
    assert seen["job"]["speed"]
    assert seen["job"]["speed"] > 0
    assert seen["job"]["eta_s"] is not None
    assert seen["download"]["phase"] == "video"
    assert seen["video"]["title"] == "Karma Police"

    started = time.monotonic()
    assert (await client.post(f"/api/v1/jobs/{job_id}/cancel")).status_code == 200
    job = await wait_for(db, job_id, within_s=10)
    took = time.monotonic() - started
    assert job.status == JobStatus.CANCELLED
    assert took < 2.0, f"cancel took {took:.2f} s"
    assert not files_under(settings.data_dir / "tmp" / "downloads")
    assert not files_under(library)
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "wanted"
    async with db.reader() as session:
        row = (await session.execute(select(Download).where(Download.job_id == job_id))).scalar_one()
    assert row.status == "cancelled"
