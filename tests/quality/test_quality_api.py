"""Quality profiles CRUD, the per-video report, the library summary, cutoff-unmet and analyze."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import Video
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def profiles(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in (await client.get("/api/v1/quality-profiles")).json()}


async def test_default_profiles_exist_and_any_is_the_default(client: httpx.AsyncClient) -> None:
    shipped = await profiles(client)
    assert list(shipped) == ["Any", "HD 720p+", "Full HD 1080p", "Ultra HD"]
    assert [p["is_default"] for p in shipped.values()] == [True, False, False, False]
    full_hd = shipped["Full HD 1080p"]
    assert (full_hd["cutoff"], full_hd["allowed_labels"]) == ("1080p", ["1080p", "720p"])
    assert full_hd["ytdlp_format"].startswith("bestvideo[height<=1080][vcodec^=avc1]+bestaudio/")
    ultra = await client.patch("/api/v1/settings", json={"quality.default_profile_id": shipped["Ultra HD"]["id"]})
    assert ultra.status_code == 200, ultra.text
    assert (await profiles(client))["Ultra HD"]["is_default"] is True
    refused = await client.delete(f"/api/v1/quality-profiles/{shipped['Ultra HD']['id']}")
    assert refused.status_code == 409


async def test_profile_crud_and_validation(client: httpx.AsyncClient) -> None:
    body = {"name": "Archive", "allowed_labels": ["2160p", "1080p"], "cutoff": "1080p", "max_mb_per_minute": 200}
    created = await client.post("/api/v1/quality-profiles", json=body)
    assert created.status_code == 201, created.text
    profile = created.json()
    assert (profile["upgrade_allowed"], profile["artist_count"], profile["is_default"]) == (True, 0, False)
    assert (await client.post("/api/v1/quality-profiles", json={**body, "name": "archive"})).status_code == 409
    bad_cutoff = await client.post("/api/v1/quality-profiles", json={**body, "name": "X", "cutoff": "720p"})
    assert bad_cutoff.status_code == 422
    bad_label = await client.post("/api/v1/quality-profiles", json={**body, "name": "Y", "allowed_labels": ["8k"]})
    assert bad_label.status_code == 422
    patched = await client.patch(f"/api/v1/quality-profiles/{profile['id']}", json={"cutoff": "2160p"})
    assert patched.json()["cutoff"] == "2160p"
    inconsistent = await client.patch(f"/api/v1/quality-profiles/{profile['id']}", json={"allowed_labels": ["720p"]})
    assert inconsistent.status_code == 422
    artist = await make_artist(client, "Massive Attack", quality_profile_id=profile["id"])
    assert artist["quality_profile_id"] == profile["id"]
    assert (await client.get(f"/api/v1/quality-profiles/{profile['id']}")).json()["artist_count"] == 1
    assert (await client.delete(f"/api/v1/quality-profiles/{profile['id']}")).status_code == 409
    await client.patch(f"/api/v1/artists/{artist['id']}", json={"quality_profile_id": None})
    assert (await client.delete(f"/api/v1/quality-profiles/{profile['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/quality-profiles/{profile['id']}")).status_code == 404
    unknown = await client.post("/api/v1/artists", json={"name": "Nobody", "quality_profile_id": 9999})
    assert unknown.status_code == 422


async def test_report_summary_and_cutoff_unmet(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    shipped = await profiles(client)
    picky = await make_artist(client, "Portishead", quality_profile_id=shipped["Full HD 1080p"]["id"])
    easy = await make_artist(client, "Air")
    root = str(tmp_path)
    low = await make_video(client, picky["id"], "Roads", status="downloaded")
    high = await make_video(client, picky["id"], "Sour Times", status="downloaded")
    broken = await make_video(client, picky["id"], "Glory Box", status="downloaded")
    other = await make_video(client, easy["id"], "Sexy Boy", status="downloaded")
    bare = await make_video(client, easy["id"], "Wanted One")
    await attach_file(
        db, low["id"], root, width=1280, height=720, quality_label="720p", quality_score=560.0,
        video_codec="hevc", size=60_000_000, duration_s=60.0, hdr=None,
    )  # fmt: skip
    await attach_file(db, high["id"], root, size=20_000_000, duration_s=240.0, hdr="HDR10", quality_score=660.0)
    await attach_file(
        db, broken["id"], root, width=None, height=None, quality_label=None, quality_score=None,
        probe_error="not a media file: FFmpeg found no audio or video it can read", video_codec=None, container=None,
    )  # fmt: skip
    await attach_file(db, other["id"], root, width=640, height=360, quality_label="360p", quality_score=300.0)

    report = (await client.get(f"/api/v1/video-quality/videos/{low['id']}")).json()
    assert report["profile"]["name"] == "Full HD 1080p"
    assert report["file"]["quality_label"] == "720p"
    verdict = report["verdict"]
    assert (verdict["cutoff_met"], verdict["allowed"], verdict["upgrade_wanted"]) == (False, True, True)
    assert verdict["reasons"][0] == "720p is below the cutoff 1080p of profile 'Full HD 1080p'"
    assert any("hevc is not a preferred one" in r for r in verdict["reasons"])
    good = (await client.get(f"/api/v1/video-quality/videos/{high['id']}")).json()["verdict"]
    assert (good["cutoff_met"], good["upgrade_wanted"]) == (True, False)
    unreadable = (await client.get(f"/api/v1/video-quality/videos/{broken['id']}")).json()["verdict"]
    assert unreadable["cutoff_met"] is False
    assert "not a media file" in unreadable["reasons"][0]
    easy_report = (await client.get(f"/api/v1/video-quality/videos/{other['id']}")).json()
    assert easy_report["profile"]["name"] == "Any"
    assert easy_report["verdict"]["cutoff_met"] is True
    no_file = (await client.get(f"/api/v1/video-quality/videos/{bare['id']}")).json()
    assert no_file["file"] is None
    assert no_file["verdict"]["reasons"] == ["the video has no file"]
    assert (await client.get("/api/v1/video-quality/videos/9999")).status_code == 404

    summary = (await client.get("/api/v1/video-quality/summary")).json()
    assert (summary["files"], summary["unreadable"]) == (4, 1)
    assert summary["size"] == 60_000_000 + 20_000_000 + 1000 + 1000
    assert [(b["key"], b["count"]) for b in summary["by_label"]] == [("1080p", 1), ("720p", 1), ("360p", 1), (None, 1)]
    assert {b["key"]: b["count"] for b in summary["by_hdr"]} == {None: 3, "HDR10": 1}
    assert {b["key"]: b["count"] for b in summary["by_video_codec"]} == {"h264": 2, "hevc": 1, None: 1}
    assert summary["artists"] is None
    per_artist = (await client.get("/api/v1/video-quality/summary?per_artist=true")).json()["artists"]
    assert [(a["artist"]["name"], a["count"]) for a in per_artist] == [("Air", 1), ("Portishead", 3)]
    assert per_artist[1]["by_label"] == {"1080p": 1, "720p": 1, "unknown": 1}
    one = (await client.get(f"/api/v1/video-quality/summary?artist_id={easy['id']}")).json()
    assert one["files"] == 1

    unmet = (await client.get("/api/v1/video-quality/cutoff-unmet")).json()
    assert unmet["total"] == 2
    assert [i["title"] for i in unmet["items"]] == ["Glory Box", "Roads"]  # no score sorts first ascending
    by_score = (await client.get("/api/v1/video-quality/cutoff-unmet?sort=-score")).json()
    assert [i["title"] for i in by_score["items"]] == ["Roads", "Glory Box"]
    assert by_score["items"][0]["profile"]["cutoff"] == "1080p"
    paged = (await client.get("/api/v1/video-quality/cutoff-unmet?page=2&page_size=1&sort=-score")).json()
    assert [i["title"] for i in paged["items"]] == ["Glory Box"]
    assert (await client.get("/api/v1/video-quality/cutoff-unmet?sort=bogus")).status_code == 422
    await client.patch(f"/api/v1/quality-profiles/{shipped['Full HD 1080p']['id']}", json={"upgrade_allowed": False})
    assert (await client.get("/api/v1/video-quality/cutoff-unmet")).json()["total"] == 0


async def test_analyze_starts_a_probe_job(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/video-quality/analyze", json={})).status_code == 422
    both = await client.post("/api/v1/video-quality/analyze", json={"all": True, "artist_id": 1})
    assert both.status_code == 422
    started = await client.post("/api/v1/video-quality/analyze", json={"all": True})
    assert started.status_code == 202
    assert started.json()["type"] == "media.probe"
    again = await client.post("/api/v1/video-quality/analyze", json={"all": True})
    assert again.json()["id"] == started.json()["id"]


async def test_report_says_when_the_source_offers_nothing_better(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    shipped = await profiles(client)
    artist = await make_artist(client, "Portishead", quality_profile_id=shipped["Full HD 1080p"]["id"])
    video = await make_video(client, artist["id"], "Roads", status="downloaded")
    await attach_file(db, video["id"], str(tmp_path), width=1280, height=720, quality_label="720p", quality_score=560.0)
    url = f"/api/v1/video-quality/videos/{video['id']}"
    unknown = (await client.get(url)).json()["verdict"]
    assert (unknown["upgrade_wanted"], unknown["better_version_exists"]) == (True, None)

    async def offered(label: str) -> dict[str, Any]:
        async with db.writer() as session:
            row = await session.get(Video, video["id"])
            assert row is not None
            row.best_available_label = label
            row.best_available_checked_at = datetime(2026, 11, 1, tzinfo=UTC)
            await session.commit()
        return dict((await client.get(url)).json()["verdict"])

    same = await offered("720p")
    assert (same["upgrade_wanted"], same["better_version_exists"], same["best_available_label"]) == (
        False,
        False,
        "720p",
    )
    assert same["reasons"][-1] == "no better version exists: the source offers at best 720p"
    assert same["best_available_checked_at"] == "2026-11-01T00:00:00Z"
    better = await offered("1080p")
    assert (better["upgrade_wanted"], better["better_version_exists"]) == (True, True)
