"""SponsorBlock through yt-dlp's own postprocessors, per quality profile: a real 12 s clip served locally,
segments from a local SponsorBlock API (its `/api/skipSegments/<hash prefix>` answer); the file that lands
in the library is really cut (its duration) or really has the chapters."""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import httpx
import imageio_ffmpeg
import pytest

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.fixtures.media import ClipSpec, make_clip
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio

VIDEO_ID = "sbTestVid01"
SEGMENT = (4.0, 8.0)


class SponsorBlockApi:
    """What sponsor.ajay.app answers: segments of the videos whose sha256 starts with the asked prefix."""

    def __init__(self) -> None:
        self.asked: list[dict[str, list[str]]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                api.asked.append(parse_qs(url.query))
                prefix = url.path.rsplit("/", 1)[-1]
                categories = json.loads(parse_qs(url.query).get("categories", ["[]"])[0])
                found = []
                if hashlib.sha256(VIDEO_ID.encode()).hexdigest().startswith(prefix):
                    segments = [
                        {
                            "category": category,
                            "actionType": "skip",
                            "segment": list(SEGMENT),
                            "UUID": f"uuid-{category}",
                            "videoDuration": 12.0,
                            "locked": 1,
                            "votes": 10,
                            "description": "",
                        }
                        for category in ("music_offtopic",)
                        if category in categories
                    ]
                    found.append(
                        {
                            "videoID": VIDEO_ID,
                            "hash": hashlib.sha256(VIDEO_ID.encode()).hexdigest(),
                            "segments": segments,
                        }
                    )
                body = json.dumps(found).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, name="sponsorblock", daemon=True).start()


@pytest.fixture
def sponsorblock_api() -> Iterator[SponsorBlockApi]:
    api = SponsorBlockApi()
    try:
        yield api
    finally:
        api.httpd.shutdown()
        api.httpd.server_close()


@pytest.fixture(scope="module")
def keyframed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s with a keyframe every second, so a cut at 4 s and 8 s needs no re-encoding."""
    folder = tmp_path_factory.mktemp("keyframed")
    options = {"x264-params": "keyint=24:min-keyint=24:scenecut=0"}
    make_clip(folder, ClipSpec("keyframed.mp4", "mp4", "libx264", "aac", 640, 360, seconds=12.0, options=options))
    return folder / "keyframed.mp4"


def _duration(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def _chapters(path: Path) -> list[str]:
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.removeprefix("title=") for line in out.splitlines() if line.startswith("title=")]


@pytest.mark.parametrize("mode", ["cut", "mark"])
async def test_a_profile_cuts_or_marks_sponsorblock_segments(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    faketube: Path,
    sponsorblock_api: SponsorBlockApi,
    keyframed: Path,
    mode: str,
) -> None:
    (media_server.folder / keyframed.name).write_bytes(keyframed.read_bytes())
    media_server.players[VIDEO_ID] = {
        "playabilityStatus": {"status": "OK"},
        "title": "Clip with an intro",
        "media": keyframed.name,
        "duration": 12.0,
        "extractorKey": "Youtube",
    }
    changed = await client.patch("/api/v1/settings", json={"downloads.sponsorblock_api": sponsorblock_api.url})
    assert changed.status_code == 200, changed.text
    profile = await client.post(
        "/api/v1/quality-profiles",
        json={
            "name": f"SponsorBlock {mode}",
            "allowed_labels": ["1080p", "720p", "480p", "360p"],
            "cutoff": "360p",
            "sponsorblock": mode,
            "sponsorblock_categories": ["music_offtopic", "intro"],
        },
    )
    assert profile.status_code == 201, profile.text
    assert profile.json()["sponsorblock"] == mode
    artist = await make_artist(client, "Daft Punk", quality_profile_id=profile.json()["id"])
    video = await make_video(
        client, artist["id"], "Around the World", sources=[{"url": media_server.url(f"/watch/{VIDEO_ID}")}]
    )
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=120)
    assert job.status == JobStatus.SUCCEEDED, job.error

    assert sponsorblock_api.asked, "the local SponsorBlock API was asked"
    assert sorted(json.loads(sponsorblock_api.asked[0]["categories"][0])) == ["intro", "music_offtopic"]
    assert sponsorblock_api.asked[0]["service"] == ["YouTube"]
    [placed] = [p for p in library.rglob("*") if p.suffix in (".mp4", ".mkv")]
    duration = _duration(placed)
    if mode == "cut":
        assert 7.0 < duration < 9.0, f"4 s of 12 s cut away, here {duration:.2f} s"
    else:
        assert 11.5 < duration < 12.5, f"nothing cut, here {duration:.2f} s"
        assert any("Non-Music Section" in title for title in _chapters(placed)), _chapters(placed)


async def test_profiles_refuse_an_unknown_sponsorblock_mode_or_category(client: httpx.AsyncClient) -> None:
    base = {"name": "Bad", "allowed_labels": ["720p"], "cutoff": "720p"}
    assert (await client.post("/api/v1/quality-profiles", json={**base, "sponsorblock": "skip"})).status_code == 422
    bad_category = {**base, "sponsorblock": "cut", "sponsorblock_categories": ["ads"]}
    assert (await client.post("/api/v1/quality-profiles", json=bad_category)).status_code == 422
    made = await client.post("/api/v1/quality-profiles", json=base)
    assert made.json()["sponsorblock"] == "off"
    nulled = await client.patch(f"/api/v1/quality-profiles/{made.json()['id']}", json={"sponsorblock": None})
    assert nulled.status_code == 422
