"""A scan's failure paths: a file whose artist or video cannot be recorded is that file's failure,
never the scan's; the savepoint undoes its part, the scan's caches are dropped, and the next scan
tries the file again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.library import scan_videos
from mvidarr.library.matching import Match
from mvidarr.models import Artist, JobStatus, MediaFile, Video
from tests.library.conftest import put, scan, scan_ok

pytestmark = pytest.mark.anyio


def refuse_title(monkeypatch: pytest.MonkeyPatch, title: str | None) -> list[str]:
    """Make finding or creating the video of `title` (None: of the first file asked about) fail
    after its rows were written; returns the titles that were refused."""
    original = scan_videos.VideoResolver.video_for
    refused: list[str] = []
    calls: list[str] = []

    async def video_for(
        self: scan_videos.VideoResolver, session: Any, match: Match, duration_s: float | None
    ) -> tuple[int, bool]:
        result = await original(self, session, match, duration_s)  # its writes happen, then are undone
        calls.append(match.title)
        if match.title == title or (title is None and len(calls) == 1):
            refused.append(match.title)
            raise RuntimeError(f"refused {title}")
        return result

    monkeypatch.setattr(scan_videos.VideoResolver, "video_for", video_for)
    return refused


async def job_log(client: httpx.AsyncClient, job_id: int) -> list[str]:
    return [line["message"] for line in (await client.get(f"/api/v1/jobs/{job_id}/logs")).json()["items"]]


async def test_a_file_that_cannot_be_matched_fails_alone_and_the_next_scan_matches_it(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    root: dict[str, Any],
    tiny_clips: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = Path(root["path"])
    for name in ("Goldfrapp - Strict Machine.mp4", "Goldfrapp - Ooh La La.mp4", "Lamb - Gabriel.mp4"):
        put(library, name, tiny_clips["plain"])
    refused = refuse_title(monkeypatch, "Ooh La La")

    job = await scan(client, db, root["id"])
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    first = job.result or {}
    assert refused == ["Ooh La La"]
    assert (first["seen"], first["matched"], first["failed"]) == (3, 2, 1)
    expected = "Goldfrapp - Ooh La La.mp4: cannot match: RuntimeError: refused Ooh La La"
    assert any(expected in line for line in await job_log(client, job.id))
    async with db.reader() as session:
        rows = {f.relative_path: f for f in (await session.execute(select(MediaFile))).scalars()}
        titles = set((await session.execute(select(Video.title))).scalars())
        artists = set((await session.execute(select(Artist.name))).scalars())
    # The refused file is recorded (probed, unmatched); the savepoint undid its video, not its artist's others.
    assert rows["Goldfrapp - Ooh La La.mp4"].video_id is None
    assert rows["Goldfrapp - Ooh La La.mp4"].width is not None
    assert rows["Goldfrapp - Strict Machine.mp4"].video_id is not None
    assert titles == {"Strict Machine", "Gabriel"}
    assert artists == {"Goldfrapp", "Lamb"}

    # Unchanged but unmatched: the next scan tries it again (and fails alone again while refused).
    second = await scan_ok(client, db, root["id"])
    assert (second["unchanged"], second["probed"], second["failed"], second["matched"]) == (3, 0, 1, 0)
    assert refused == ["Ooh La La", "Ooh La La"]

    monkeypatch.undo()
    third = await scan_ok(client, db, root["id"])
    assert (third["unchanged"], third["probed"], third["failed"], third["matched"]) == (3, 0, 0, 1)
    assert third["videos_created"] == 1
    assert third["artists_created"] == 0  # Goldfrapp was kept
    async with db.reader() as session:
        matched = await session.scalar(
            select(func.count()).select_from(MediaFile).where(MediaFile.video_id.is_not(None), MediaFile.is_current)
        )
        artist_of = await session.scalar(
            select(Artist.name).join(Video, Video.artist_id == Artist.id).where(Video.title == "Ooh La La")
        )
    assert matched == 3
    assert artist_of == "Goldfrapp"


async def test_a_failed_match_drops_the_cached_videos_so_a_later_file_of_the_artist_is_not_lost(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    root: dict[str, Any],
    tiny_clips: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new artist's first file fails after its artist and video were made: both are undone, so a
    cached id would point at nothing. The artist's next file must create them afresh."""
    library = Path(root["path"])
    put(library, "Portishead/Portishead - Roads.mp4", tiny_clips["plain"])
    put(library, "Portishead/Portishead - Sour Times.mp4", tiny_clips["plain"])
    refused = refuse_title(monkeypatch, None)

    result = await scan_ok(client, db, root["id"])
    assert (result["matched"], result["failed"], result["artists_created"]) == (1, 1, 2)
    (kept,) = {"Roads", "Sour Times"} - set(refused)
    async with db.reader() as session:
        rows = (await session.execute(select(Video.id, Video.title, Artist.name).join(Artist))).all()
        linked = await session.scalar(
            select(MediaFile.video_id).where(MediaFile.relative_path == f"Portishead/Portishead - {kept}.mp4")
        )
    assert [(r.title, r.name) for r in rows] == [(kept, "Portishead")]
    assert linked == rows[0].id
