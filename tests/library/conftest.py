"""Scan fixtures: a job runner on the test app, tiny clips to copy into trees, and a scan helper."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobStatus
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.fixtures.media import ClipSpec, make_clip
from tests.jobs.helpers import wait_for

FAST = {
    "job_lease_s": 5.0,
    "job_heartbeat_s": 0.5,
    "job_poll_s": 0.05,
    "job_shutdown_grace_s": 1.0,
    "job_cancel_grace_s": 0.5,
}
TINY = ClipSpec("tiny.mp4", "mp4", "libx264", "aac", 160, 90, seconds=0.5)


@pytest.fixture(scope="session")
def tiny_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny H.264 clip, the same with artist/title/date tags, and a text file named like a video."""
    folder = tmp_path_factory.mktemp("tiny")
    plain = make_clip(folder, TINY)
    tagged = folder / "tagged.mp4"
    with av.open(str(plain)) as source, av.open(str(tagged), "w", format="mp4") as out:
        out.metadata.update({"artist": "Portishead", "title": "Glory Box (Official Video)", "date": "1995"})
        streams = {s.index: out.add_stream_from_template(s) for s in source.streams}
        for packet in source.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    text = folder / "text.mp4"
    text.write_text("not a video\n" * 10)
    return {"plain": plain, "tagged": tagged, "text": text}


def put(root: Path, relative: str | bytes, source: Path) -> Path:
    """Copy a clip to `root/relative` (bytes for names that are not valid UTF-8)."""
    raw = relative if isinstance(relative, bytes) else relative.encode()
    target = Path(os.fsdecode(os.fsencode(root) + b"/" + raw))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(
    app: Any,
    db: Database,
    settings: Settings,
    provider_hub_on_fake: Any,  # noqa: F811
) -> AsyncIterator[Runner]:
    """A runner whose providers talk to the fake upstream: scans ask it whether joint credits are one artist."""
    worker = Runner(db, app.state.events, settings, providers=provider_hub_on_fake, slots=2, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


@pytest.fixture
async def root(client: httpx.AsyncClient, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "library"
    folder.mkdir()
    response = await client.post("/api/v1/root-folders", json={"path": str(folder)})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def scan(client: httpx.AsyncClient, db: Database, root_id: int | None, within_s: float = 60.0) -> Job:
    response = await client.post("/api/v1/library/scan", json={"root_folder_id": root_id})
    assert response.status_code == 202, response.text
    return await wait_for(db, response.json()["id"], within_s=within_s)


async def scan_ok(client: httpx.AsyncClient, db: Database, root_id: int) -> dict[str, Any]:
    job = await scan(client, db, root_id)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert job.result is not None
    return job.result
