"""Bot checks, rate limits and refusals: each is named with its fix; a rate limit or a bot check makes the
host wait (durably, honouring Retry-After) and the video wait with it, never failing it for good.

The failures come from a local server: `/limited/…` answers 429 with Retry-After, and the FakeTube yt-dlp
plugin (tests/downloads/ytdlp_plugins) answers like YouTube's player does (bot check, age gate, geo block,
PO token), through yt-dlp's own error paths.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.downloads import refusals
from mvidarr.downloads.attempt import HOST_SLOT_WAIT_S
from mvidarr.downloads.failures import classify
from mvidarr.downloads.hosts import window_wait_s
from mvidarr.jobs.runner import Runner
from mvidarr.models import Download, Job, JobStatus, SourceHost
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import load, wait_for

pytestmark = pytest.mark.anyio

BOT = (
    "[youtube] dQw4w9WgXcQ: Sign in to confirm you\u2019re not a bot. Use --cookies-from-browser or --cookies for "
    "the authentication. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies-to-yt-dlp"
)
PLAYERS: dict[str, dict[str, Any]] = {
    "botcheck": {
        "playabilityStatus": {
            "status": "LOGIN_REQUIRED",
            "reason": "Sign in to confirm you\u2019re not a bot. This helps protect our community. Learn more",
        }
    },
    "agegate": {
        "playabilityStatus": {
            "status": "LOGIN_REQUIRED",
            "reason": "Sign in to confirm your age",
            "subreason": "This video may be inappropriate for some users.",
        }
    },
    "geo": {
        "playabilityStatus": {
            "status": "UNPLAYABLE",
            "reason": "Video unavailable",
            "subreason": "The uploader has not made this video available in your country",
        }
    },
    "private": {"playabilityStatus": {"status": "LOGIN_REQUIRED", "reason": "Private video"}},
    "removed": {
        "playabilityStatus": {
            "status": "ERROR",
            "reason": "This video has been removed by the uploader",
        }
    },
    "potoken": {"playabilityStatus": {"status": "OK"}, "poTokenRequired": True, "title": "Needs a token"},
}


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (BOT, "bot_check"),
        ("[youtube] x: Sign in to confirm your age. This video may be inappropriate for some users.", "age"),
        ("[youtube] x: The uploader has not made this video available in your country", "geo"),
        ("This video is not available from your location due to geo restriction", "geo"),
        ("[generic] Unable to download webpage: HTTP Error 429: Too Many Requests", "rate_limited"),
        (
            "[youtube] x: This content isn't available, try again later. The current session has been "
            "rate-limited by YouTube for up to an hour.",
            "rate_limited",
        ),
        ("[youtube] x: Private video. Sign in if you've been granted access to this video", "private"),
        ("[youtube] x: Video unavailable. This video has been removed by the uploader", "unavailable"),
        ("[youtube] x: web client https formats require a GVS PO Token which was not provided.", "po_token"),
        ("Unable to download webpage: HTTP Error 503: Service Unavailable", "transient"),
    ],
)
def test_yt_dlp_messages_are_classified(message: str, kind: str) -> None:
    assert classify(message) == kind


def test_each_refusal_says_its_fix_in_plain_words() -> None:
    bot = refusals.explain("bot_check", BOT, "youtube.com")
    assert "not a bot" in bot.reason
    assert "--cookies" not in bot.reason, "yt-dlp's command-line advice is not for MVidarr's users"
    assert bot.fix is not None
    assert "cookies file" in bot.fix
    assert "downloads.youtube_po_token" in bot.fix
    assert "wait" in bot.fix
    assert "cookies file" in (refusals.explain("age", "Sign in to confirm your age", "youtube.com").fix or "")
    assert "VPN" in (refusals.explain("geo", "not available in your country", "youtube.com").fix or "")
    assert "PO token" in (refusals.explain("po_token", "PO Token", "youtube.com").fix or "")
    assert refusals.source_host("https://youtu.be/x") == refusals.source_host("https://www.youtube.com/watch?v=x")
    assert refusals.source_host("https://music.youtube.com/watch?v=x") == "youtube.com"


def test_download_window_hours() -> None:
    at = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert window_wait_s(at, None, None) is None
    assert window_wait_s(at, 9, 17) is None
    assert window_wait_s(at, 22, 6) == pytest.approx(7.5 * 3600)
    assert window_wait_s(at, 15, 16) == pytest.approx(0.5 * 3600)
    assert window_wait_s(at.replace(hour=23), 22, 6) is None
    assert window_wait_s(at.replace(hour=3), 22, 6) is None
    assert window_wait_s(at.replace(hour=6), 22, 6) == pytest.approx(15.5 * 3600)


async def _settings(client: httpx.AsyncClient, **values: Any) -> None:
    changed = await client.patch("/api/v1/settings", json=values)
    assert changed.status_code == 200, changed.text


async def _until(db: Database, job_id: int, check: Callable[[Job], bool], within_s: float = 90.0) -> Job:
    deadline = time.monotonic() + within_s
    while True:
        job = await load(db, job_id)
        if check(job):
            return job
        assert time.monotonic() < deadline, f"job {job_id}: {job.status} {job.message!r} {job.error!r}"
        await asyncio.sleep(0.05)


def _waiting(job: Job) -> bool:
    return job.status == JobStatus.QUEUED and (job.message or "").startswith("waiting")


async def _rows(db: Database, video_id: int) -> list[Download]:
    async with db.reader() as session:
        stmt = select(Download).where(Download.video_id == video_id).order_by(Download.id)
        return list((await session.execute(stmt)).scalars())


async def _host(db: Database) -> SourceHost | None:
    async with db.reader() as session:
        return await session.get(SourceHost, "127.0.0.1")


async def test_a_bot_check_makes_the_host_wait_and_the_video_wait_with_its_fix(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    faketube: Path,
) -> None:
    media_server.players.update(PLAYERS)
    await _settings(client, **{"downloads.backoff_base_s": 600})
    artist = await make_artist(client, "Radiohead")
    video = await make_video(
        client,
        artist["id"],
        "Creep",
        sources=[{"url": media_server.url("/watch/botcheck")}, {"url": media_server.url("/media/clip.mp4")}],
    )
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    started = datetime.now(UTC)
    job = await _until(db, job_id, _waiting)

    assert job.attempts == 0, "waiting is not a failed attempt"
    assert job.error is None
    assert job.run_after is not None
    assert timedelta(seconds=500) < job.run_after - started < timedelta(seconds=700), job.run_after
    assert "not a bot" in (job.message or "")
    assert media_server.hits.count("/media/clip.mp4") == 0, "the other candidate on the same host was not tried"
    stored = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert stored["status"] == "queued", "the video waits, it has not failed"
    [row] = await _rows(db, video["id"])
    assert row.reason is not None
    assert "not a bot" in row.reason
    assert row.fix is not None
    assert "cookies file" in row.fix
    assert [f["kind"] for f in row.failures] == ["bot_check"]
    host = await _host(db)
    assert host is not None
    assert host.kind == "bot_check"
    assert host.refusals == 1
    history = (await client.get("/api/v1/activity/history", params={"video_id": video["id"]})).json()
    assert "cookies file" in history["items"][0]["download"]["fix"]
    page = (await client.get(f"/videos/{video['id']}")).text
    assert 'id="last-download"' in page
    assert "not a bot" in page
    assert "Fix:</strong> upload a cookies file" in page
    activity = (await client.get("/activity")).text
    assert "Fix: upload a cookies file" in activity, "the history shows the fix"
    assert "waiting until" in activity, "the queue shows why the download waits"


async def test_a_429_honours_retry_after_and_does_not_burn_through_the_candidates(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    media_server.limited_left = 10**6
    media_server.retry_after = "120"
    artist = await make_artist(client, "Massive Attack")
    video = await make_video(
        client,
        artist["id"],
        "Angel",
        sources=[
            {"url": media_server.url("/limited/clip.mp4")},
            {"url": media_server.url("/media/clip.mp4")},
            {"url": media_server.url("/slow/clip.mp4")},
        ],
    )
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    started = datetime.now(UTC)
    job = await _until(db, job_id, _waiting)

    assert job.run_after is not None
    assert timedelta(seconds=100) < job.run_after - started < timedelta(seconds=140), "Retry-After: 120 honoured"
    assert job.attempts == 0
    assert media_server.limited_answers == 1, "one 429 was enough to stop asking"
    assert "/media/clip.mp4" not in media_server.hits
    assert "/slow/clip.mp4" not in media_server.hits
    [row] = await _rows(db, video["id"])
    assert row.reason is not None
    assert "limiting" in row.reason
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "queued"
    host = await _host(db)
    assert host is not None
    assert host.kind == "rate_limited"


async def test_a_host_that_asked_us_to_wait_is_not_asked_again_after_a_restart(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    now = datetime.now(UTC)
    async with db.writer() as session:
        session.add(
            SourceHost(
                host="127.0.0.1",
                kind="rate_limited",
                refusals=2,
                reason="127.0.0.1 is limiting how often we download (HTTP Error 429)",
                wait_until=now + timedelta(minutes=30),
                updated_at=now,
            )
        )
        await session.commit()
    artist = await make_artist(client, "Portishead")
    video = await make_video(client, artist["id"], "Roads", sources=[{"url": media_server.url("/media/clip.mp4")}])
    job_id = (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"]
    job = await _until(db, job_id, _waiting)
    assert media_server.hits == [], "nothing was asked of a host that is waiting"
    assert job.run_after is not None
    assert job.run_after > now + timedelta(minutes=29)
    assert await _rows(db, video["id"]) == [], "a run that tried nothing leaves no attempt in the history"
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "queued"


@pytest.mark.parametrize(
    ("player", "kind", "words", "fix"),
    [
        ("agegate", "age", "age-restricted", "cookies file"),
        ("geo", "geo", "not available in this server's country", "VPN"),
        ("private", "private", "private", "another source"),
        ("removed", "unavailable", "removed", "another source"),
        ("potoken", "po_token", "PO) token", "downloads.youtube_po_token"),
    ],
)
async def test_a_refusal_of_the_video_fails_it_with_the_reason_and_the_fix(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    faketube: Path,
    player: str,
    kind: str,
    words: str,
    fix: str,
) -> None:
    media_server.players.update(PLAYERS)
    artist = await make_artist(client, "Björk")
    video = await make_video(
        client, artist["id"], "Army of Me", sources=[{"url": media_server.url(f"/watch/{player}")}]
    )
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=90)
    assert job.status == JobStatus.FAILED
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "failed"
    [row] = await _rows(db, video["id"])
    assert [f["kind"] for f in row.failures] == [kind], row.failures
    assert row.reason is not None
    assert words in row.reason
    assert row.fix is not None
    assert fix in row.fix
    assert await _host(db) is None, "a refusal of one video does not hold back the host"


async def test_the_po_token_setting_reaches_yt_dlp(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path, faketube: Path
) -> None:
    media_server.players.update(PLAYERS)
    await _settings(client, **{"downloads.youtube_po_token": "MnRva2VuLWZvci10ZXN0cw=="})
    listed = {s["key"]: s for s in (await client.get("/api/v1/settings")).json()}
    assert listed["downloads.youtube_po_token"]["value"] != "MnRva2VuLWZvci10ZXN0cw==", "write-only"
    artist = await make_artist(client, "Björk")
    video = await make_video(client, artist["id"], "Hyperballad", sources=[{"url": media_server.url("/watch/potoken")}])
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=90)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "/media/clip.mp4" in media_server.hits


async def test_a_rate_limited_burst_waits_and_then_every_video_downloads(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    """The bar's deterministic twin (bench/download.py has the 50-video run): six videos against a source
    that answers 429 (Retry-After: 1) to its first requests; none fails, all six download once it recovers."""
    media_server.limited_left = 6
    media_server.retry_after = "1"
    artist = await make_artist(client, "Aphex Twin")
    videos = [
        await make_video(
            client, artist["id"], f"Track {n}", sources=[{"url": media_server.url("/limited/clip.mp4") + f"?n={n}"}]
        )
        for n in range(6)
    ]
    queued = await client.post("/api/v1/videos/download", json={"video_ids": [v["id"] for v in videos]})
    assert queued.status_code == 202, queued.text
    parent = await wait_for(db, queued.json()["id"], within_s=240)
    assert parent.status == JobStatus.SUCCEEDED, parent.error
    statuses = [(await client.get(f"/api/v1/videos/{v['id']}")).json()["status"] for v in videos]
    assert statuses == ["downloaded"] * 6
    assert media_server.limited_answers == 6, "the source did answer 429 before it recovered"
    async with db.reader() as session:
        jobs = list((await session.execute(select(Job).where(Job.parent_id == parent.id))).scalars())
    assert all(job.status == JobStatus.SUCCEEDED for job in jobs)
    assert await _host(db) is None, "a download that succeeded cleared the host's wait"


async def test_scheduled_downloads_wait_for_the_download_window(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    hour = datetime.now(UTC).hour
    await _settings(
        client, **{"downloads.window_start_hour": (hour + 2) % 24, "downloads.window_end_hour": (hour + 3) % 24}
    )
    artist = await make_artist(client, "Tricky")
    video = await make_video(client, artist["id"], "Aftermath", sources=[{"url": media_server.url("/media/clip.mp4")}])
    async with db.writer() as session:
        job = Job(type="video.download", status=JobStatus.QUEUED, params={"video_id": video["id"]}, priority=0)
        session.add(job)
        await session.commit()
        job_id = job.id
    runner.wake()
    waited = await _until(db, job_id, _waiting)
    assert "download window" in (waited.message or "")
    assert waited.run_after is not None
    assert waited.run_after > datetime.now(UTC) + timedelta(minutes=59)
    assert media_server.hits == []

    # A download a user starts is not held back.
    other = await make_video(client, artist["id"], "Overcome", sources=[{"url": media_server.url("/media/clip.mp4")}])
    done = await wait_for(db, (await client.post(f"/api/v1/videos/{other['id']}/download")).json()["id"], within_s=90)
    assert done.status == JobStatus.SUCCEEDED, done.error


async def test_a_download_may_have_its_own_bandwidth_limit(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    artist = await make_artist(client, "Boards of Canada")
    video = await make_video(client, artist["id"], "Roygbiv", sources=[{"url": media_server.url("/media/clip.mp4")}])
    refused = await client.post(f"/api/v1/videos/{video['id']}/download", json={"rate_limit_kib_s": 0})
    assert refused.status_code == 422
    queued = await client.post(f"/api/v1/videos/{video['id']}/download", json={"rate_limit_kib_s": 64})
    assert queued.status_code == 202, queued.text
    job = await wait_for(db, queued.json()["id"], within_s=90)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.params["rate_limit_kib_s"] == 64
    [row] = await _rows(db, video["id"])
    assert row.speed is not None
    assert row.speed < 64 * 1024 * 1.6, f"yt-dlp's ratelimit held the transfer near 64 KiB/s, here {row.speed:.0f} B/s"


async def test_downloads_from_one_host_respect_the_per_host_concurrency(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    await _settings(client, **{"downloads.per_host_concurrency": 1})
    media_server.slow_bytes_per_s = 4_000_000  # a few seconds each: long enough to overlap without the limit
    artist = await make_artist(client, "Cocteau Twins")
    videos = [
        await make_video(
            client, artist["id"], f"Song {n}", sources=[{"url": media_server.url("/slow/long.mp4") + f"?n={n}"}]
        )
        for n in range(2)
    ]
    queued = await client.post("/api/v1/videos/download", json={"video_ids": [v["id"] for v in videos]})
    parent = await wait_for(db, queued.json()["id"], within_s=180)
    assert parent.status == JobStatus.SUCCEEDED, parent.error
    first, second = sorted(
        [next(r for r in await _rows(db, v["id"]) if r.status == "succeeded") for v in videos],
        key=lambda row: row.started_at,
    )
    assert first.finished_at is not None
    assert second.started_at >= first.finished_at - timedelta(seconds=0.5), "one download from the host at a time"
    # The first download's end wakes the second at once instead of at the end of its wait.
    assert second.started_at - first.finished_at < timedelta(seconds=HOST_SLOT_WAIT_S / 2)
    assert first.source_host == second.source_host == "127.0.0.1"
