"""`kill -9` of a whole `mvidarr worker` process mid-download, then a restart: the job runs again,
the orphaned yt-dlp process dies with its parent, and no partial file is ever visible in the library."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.kit.atomic import PART_PREFIX
from mvidarr.models import Download, JobStatus
from tests.conftest import DatabaseTarget
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import load, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as dead: it writes nothing)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return "Z" not in line.split()[1]
    except OSError:
        return False
    return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class LibraryWatch:
    """Lists the library every 10 ms from a thread and keeps every (path, size) it saw."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: set[tuple[str, int]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="library-watch", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.root.rglob("*"):
                try:
                    if path.is_file():
                        self.seen.add((str(path.relative_to(self.root)), path.stat().st_size))
                except OSError:
                    pass
            time.sleep(0.01)

    def __enter__(self) -> LibraryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def worker_env(tmp_path: Path, database_target: DatabaseTarget, settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env.update(
        MVIDARR_DATA_DIR=str(settings.data_dir),
        MVIDARR_DATABASE_URL=database_target.url.render_as_string(hide_password=False),
        MVIDARR_JOB_LEASE_S="1.5",
        MVIDARR_JOB_HEARTBEAT_S="0.3",
        MVIDARR_JOB_POLL_S="0.2",
        MVIDARR_JOB_SHUTDOWN_GRACE_S="0.3",
        MVIDARR_LOG_LEVEL="warning",
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
    )
    if database_target.pg_schema:
        env["MVIDARR_DATABASE_SCHEMA"] = database_target.pg_schema
    return env


@pytest.fixture
def start_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(procs)}.log").open("wb")
        logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "worker", "--slots", "1"],
            env=worker_env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


async def test_kill_9_of_the_worker_mid_download_then_restart(
    client: httpx.AsyncClient,
    db: Database,
    media_server: MediaServer,
    library: Path,
    settings: Any,
    start_worker: Any,
) -> None:
    media_server.slow_bytes_per_s = 60_000
    artist = await make_artist(client, "Cocteau Twins")
    video = await make_video(
        client, artist["id"], "Heaven or Las Vegas", sources=[{"url": media_server.url("/slow/long.mp4")}]
    )
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    temp = settings.data_dir / "tmp" / "downloads"

    with LibraryWatch(library) as watch:
        first = start_worker()
        deadline = time.monotonic() + 90
        transfer: int | None = None
        while time.monotonic() < deadline and transfer is None:
            async with db.reader() as session:
                row = (await session.execute(select(Download).where(Download.job_id == job_id))).scalar_one_or_none()
            partial = [p for p in temp.rglob("*") if p.is_file() and p.stat().st_size > 0] if temp.exists() else []
            if row is not None and row.downloaded_bytes and partial:
                transfer = next((c for c in _children(first.pid) if "mvidarr.downloads.worker" in _cmdline(c)), None)
            await asyncio.sleep(0.05)
        assert transfer is not None, "the download was under way in the worker's yt-dlp child"
        assert first.poll() is None

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
        while time.monotonic() - killed < 5:
            if not _alive(transfer):
                break
            await asyncio.sleep(0.02)
        assert not _alive(transfer), "the yt-dlp child died with its worker (stdin closed)"
        assert time.monotonic() - killed < 2.0
        assert (await load(db, job_id)).status == JobStatus.RUNNING, "the dead worker's lease still holds the job"

        media_server.slow_bytes_per_s = 20_000_000
        start_worker()
        job = await wait_for(db, job_id, within_s=90)
        assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
        assert job.attempts >= 2, "the job ran again after the crash"

    placed = sorted(p for p in library.rglob("*") if p.is_file())
    final = {str(p.relative_to(library)): p.stat().st_size for p in placed}
    assert [p.suffix for p in placed if p.suffix == ".mp4"] == [".mp4"]
    assert watch.seen, "the watcher saw the placed files"
    assert not [name for name in final if Path(name).name.startswith(PART_PREFIX)], "no temporary file was left"
    for name, size in watch.seen:
        if Path(name).name.startswith(PART_PREFIX):
            # The hidden name atomic writes (the NFO) go through before they are published; a scan
            # never takes such a file for a video, and none is left (above).
            continue
        assert name in final, f"{name} was visible in the library but is not a final file"
        if name.endswith(".mp4"):
            assert size == final[name], f"{name} was visible at {size} of {final[name]} bytes"
    assert not [p for p in temp.rglob("*") if p.is_file()], "the earlier attempt's partial file was removed"

    async with db.reader() as session:
        rows = (
            await session.execute(select(Download).where(Download.job_id == job_id).order_by(Download.id))
        ).scalars()
        outcomes = [(r.attempt, r.status) for r in rows]
    assert outcomes[-1][1] == "succeeded"
    assert len(outcomes) == 2, outcomes
    assert outcomes[0][1] == "failed", outcomes
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "downloaded"
