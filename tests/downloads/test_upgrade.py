"""Quality upgrades: the decision from a source's format list, and `video.upgrade` end to end
(formats listed without downloading, best available recorded, the old file to the trash)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.downloads.formats import best_offered, choose_format, decide_upgrade, format_label
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus, MediaFile, QualityProfile, Video
from tests.downloads.conftest import MPD, REPRESENTATION, MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for
from tests.notifications.helpers import outbox

pytestmark = pytest.mark.anyio


def profile(labels: list[str], *, upgrades: bool = True, container: str | None = None) -> QualityProfile:
    return QualityProfile(
        name="Test",
        allowed_labels=labels,
        cutoff=labels[0],
        upgrade_allowed=upgrades,
        preferred_container=container,
        preferred_video_codecs=[],
    )


def fmt(height: int | None, width: int | None = None, vcodec: str = "avc1") -> dict[str, Any]:
    return {"height": height, "width": width, "vcodec": vcodec}


def test_format_labels_and_the_best_offered_under_the_profile_cap() -> None:
    assert format_label(fmt(720, 1280)) == "720p"
    assert format_label(fmt(None)) is None
    assert format_label({"vcodec": "none", "height": None}) is None
    formats = [fmt(360, 640), fmt(1080, 1920), fmt(2160, 3840), {"vcodec": "none"}]
    assert best_offered(formats, profile(["1080p", "720p"])) == "1080p", "2160p is above the profile's top label"
    assert best_offered(formats, None) == "2160p"
    assert best_offered([{"vcodec": "none"}], None) is None


@pytest.mark.parametrize(
    ("current", "offered", "labels", "upgrades", "expected", "words"),
    [
        ("360p", "720p", ["1080p", "720p", "360p"], True, True, "better than the current 360p"),
        ("720p", "720p", ["1080p", "720p"], True, False, "no better version exists"),
        ("1080p", "720p", ["1080p", "720p"], True, False, "no better version exists"),
        ("360p", "1080p", ["1080p", "720p"], False, False, "does not allow upgrades"),
        ("360p", None, ["1080p"], True, False, "offers no video format"),
        ("360p", "480p", ["1080p", "720p"], True, False, "not among the profile's allowed labels"),
        (None, "720p", ["720p"], True, True, "no quality label"),
    ],
)
def test_upgrade_decision(
    current: str | None, offered: str | None, labels: list[str], upgrades: bool, expected: bool, words: str
) -> None:
    decision = decide_upgrade(current, offered, profile(labels, upgrades=upgrades))
    assert decision.upgrade is expected
    assert words in decision.reason
    assert decision.best_available == offered


def test_format_expression_from_the_profile_and_compatibility_mode() -> None:
    capped = choose_format(profile(["1080p", "720p"], container="mkv"), compatibility=False)
    assert "1080" in capped.expression
    assert "2160" not in capped.expression
    assert capped.merge_format == "mkv"
    compatible = choose_format(profile(["1080p", "720p"]), compatibility=True)
    first = compatible.expression.split("/")[0]
    assert first == "bestvideo[height<=?1080][vcodec^=avc1]+bestaudio[acodec^=mp4a]"
    assert compatible.merge_format == "mp4"
    assert choose_format(None, compatibility=False).expression == "bestvideo+bestaudio/best"


async def _current(db: Database, video_id: int) -> list[MediaFile]:
    async with db.reader() as session:
        rows = await session.execute(select(MediaFile).where(MediaFile.video_id == video_id).order_by(MediaFile.id))
        return list(rows.scalars())


async def test_upgrade_replaces_the_file_and_trashes_the_old_one(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Röyksopp")
    video = await make_video(client, artist["id"], "Eple", sources=[{"url": media_server.url("/media/clip.mp4")}])
    first = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=60)
    assert first.status == JobStatus.SUCCEEDED, first.error
    (old,) = await _current(db, video["id"])
    assert old.quality_label == "360p"
    (old_file,) = list(library.rglob("*.mp4"))
    old_inode = old_file.stat().st_ino

    better = [{"url": media_server.url("/dash/720.mpd"), "kind": "other"}]
    patched = await client.patch(f"/api/v1/videos/{video['id']}", json={"sources": better})
    assert patched.status_code == 200, patched.text
    hits_before = len(media_server.hits)
    started = await client.post("/api/v1/jobs", json={"type": "video.upgrade", "params": {"video_id": video["id"]}})
    assert started.status_code == 202, started.text
    check = await wait_for(db, started.json()["id"], within_s=60)
    assert check.status == JobStatus.SUCCEEDED, (check.error, check.error_detail)
    assert check.result is not None
    assert (check.result["upgrade"], check.result["best_available"], check.result["current"]) == (True, "720p", "360p")
    child = await wait_for(db, check.result["child"], within_s=60)
    assert child.status == JobStatus.SUCCEEDED, (child.error, child.error_detail)
    assert "/media/video720.mp4" in media_server.hits[hits_before:]

    files = await _current(db, video["id"])
    assert [(f.quality_label, f.is_current) for f in files] == [("720p", True)], "the old row went to the trash"
    placed = sorted(p for p in library.rglob("*.mp4") if ".mvidarr-trash" not in p.parts)
    assert len(placed) == 1, placed
    assert placed[0].stat().st_ino != old_inode, "only the new file is in the library"
    assert placed[0].name == "Röyksopp - Eple.mp4", "the upgrade took the template's name, not `Eple (2)`"
    assert placed[0].with_suffix(".nfo").is_file()
    assert not [p for p in library.rglob("*(2)*") if ".mvidarr-trash" not in p.parts]
    trash = (await client.get("/api/v1/trash")).json()
    assert trash["total"] == 1, trash
    async with db.reader() as session:
        stored = await session.get(Video, video["id"])
    assert stored is not None
    assert stored.best_available_label == "720p"
    assert stored.best_available_checked_at is not None
    assert stored.status == "downloaded"
    # The old file went to the trash, then the new one took its path.
    raised = [(e["type"], e["path"]) for e in await outbox(db) if e["type"] in ("video.trashed", "video.upgraded")]
    assert raised == [("video.trashed", str(old_file)), ("video.upgraded", str(placed[0]))]


async def test_upgrade_check_without_a_better_version_downloads_nothing(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    representation = REPRESENTATION.format(width=640, height=360, bw=500_000, name="clip.mp4")
    media_server.extra["/dash/360.mpd"] = MPD.format(video=representation).encode()
    artist = await make_artist(client, "Lamb")
    video = await make_video(client, artist["id"], "Gabriel", sources=[{"url": media_server.url("/media/clip.mp4")}])
    first = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=60)
    assert first.status == JobStatus.SUCCEEDED, first.error
    await client.patch(
        f"/api/v1/videos/{video['id']}", json={"sources": [{"url": media_server.url("/dash/360.mpd"), "kind": "other"}]}
    )
    media_server.hits.clear()

    started = await client.post("/api/v1/jobs", json={"type": "video.upgrade", "params": {"video_id": video["id"]}})
    check = await wait_for(db, started.json()["id"], within_s=60)
    assert check.status == JobStatus.SUCCEEDED, check.error
    assert check.result is not None
    assert check.result["upgrade"] is False
    assert "no better version exists" in check.result["reason"]
    assert "child" not in check.result
    assert media_server.hits == ["/dash/360.mpd"], "only the format list was fetched"
    async with db.reader() as session:
        stored = await session.get(Video, video["id"])
    assert stored is not None
    assert stored.best_available_label == "360p"
    assert [f.quality_label for f in await _current(db, video["id"])] == ["360p"]
