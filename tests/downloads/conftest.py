"""A local media server on 127.0.0.1 (what yt-dlp's generic extractor downloads from) and a job runner."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from sqlalchemy import select

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.runner import Runner
from mvidarr.models import RootFolder
from tests.conftest import allow_private_hosts
from tests.fixtures.media import ClipSpec, make_clip

FAST = {
    "job_lease_s": 5.0,
    "job_heartbeat_s": 0.5,
    "job_poll_s": 0.1,
    "job_shutdown_grace_s": 0.5,
    "job_cancel_grace_s": 3.0,
}
MPD = """<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S"
 profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period>
 <AdaptationSet mimeType="video/mp4">{video}</AdaptationSet>
 <AdaptationSet mimeType="audio/mp4"><Representation id="a1" codecs="mp4a.40.2" audioSamplingRate="48000"
  bandwidth="128000"><BaseURL>/media/audio.m4a</BaseURL></Representation></AdaptationSet>
</Period></MPD>"""
REPRESENTATION = (
    '<Representation id="v{height}" codecs="avc1.64001f" width="{width}" height="{height}" bandwidth="{bw}">'
    "<BaseURL>/media/{name}</BaseURL></Representation>"
)


def make_audio(path: Path, seconds: float = 2.0) -> Path:
    from fractions import Fraction

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.layout = "stereo"
        t = np.arange(int(48000 * seconds)) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for pts in range(0, len(tone), 1024):
            piece = np.pad(tone[pts : pts + 1024], (0, max(0, 1024 - len(tone[pts : pts + 1024]))))
            frame = av.AudioFrame.from_ndarray(np.vstack([piece, piece]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, pts, Fraction(1, 48000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@dataclass
class MediaServer:
    folder: Path
    port: int = 0
    slow_bytes_per_s: int = 400_000
    hits: list[str] = field(default_factory=list)
    cookies: list[str | None] = field(default_factory=list)
    extra: dict[str, bytes] = field(default_factory=dict)
    players: dict[str, dict[str, Any]] = field(default_factory=dict)
    """FakeTube player responses by video id (`/player/<id>`, read by the faketube yt-dlp plugin)."""
    limited_left: int = 0
    """How many more requests under `/limited/` answer 429 Too Many Requests before the source recovers."""
    retry_after: str | None = "1"
    limited_answers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(server: MediaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _send_head(self, status: int, length: int, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            self.end_headers()

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            path = self.path.split("?")[0]
            server.hits.append(path)
            server.cookies.append(self.headers.get("Cookie"))
            if path.startswith("/status/"):
                code = int(path.rsplit("/", 1)[1])
                body = b"error"
                self._send_head(code, len(body), "text/plain")
                if not head:
                    self.wfile.write(body)
                return
            if path.startswith("/player/"):
                player = server.players.get(path.rsplit("/", 1)[1])
                body = json.dumps(player or {"playabilityStatus": {"status": "ERROR", "reason": "Video unavailable"}})
                self._send_head(200, len(body), "application/json")
                if not head:
                    self.wfile.write(body.encode())
                return
            if path.startswith("/limited/"):
                with server.lock:
                    limited = server.limited_left > 0
                    if limited:
                        server.limited_left -= 1
                        server.limited_answers += 1
                if limited:
                    body = b"Too Many Requests"
                    self.send_response(429)
                    if server.retry_after is not None:
                        self.send_header("Retry-After", server.retry_after)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                path = "/media/" + path.removeprefix("/limited/")
            if path in server.extra:
                body = server.extra[path]
                kind = "application/dash+xml" if path.endswith(".mpd") else "video/mp4"
                self._send_head(200, len(body), kind)
                if not head:
                    self.wfile.write(body)
                return
            mode, _, name = path.strip("/").partition("/")
            file = server.folder / name
            if mode not in ("media", "slow", "drop") or not file.is_file():
                self._send_head(404, 9, "text/plain")
                if not head:
                    self.wfile.write(b"not found")
                return
            data = file.read_bytes()
            kind = "audio/mp4" if name.endswith(".m4a") else "video/mp4"
            self._send_head(200, len(data), kind)
            if head:
                return
            if mode == "media":
                self.wfile.write(data)
            elif mode == "drop":
                self.wfile.write(data[: len(data) // 3])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
            else:
                chunk = max(1, server.slow_bytes_per_s // 20)
                try:
                    for start in range(0, len(data), chunk):
                        self.wfile.write(data[start : start + chunk])
                        self.wfile.flush()
                        time.sleep(0.05)
                except (BrokenPipeError, ConnectionResetError):
                    pass

    return Handler


@pytest.fixture(scope="session")
def media_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("served")
    make_clip(folder, ClipSpec("clip.mp4", "mp4", "libx264", "aac", 640, 360, seconds=2.0))
    make_clip(folder, ClipSpec("video720.mp4", "mp4", "libx264", None, 1280, 720, seconds=2.0))
    make_clip(folder, ClipSpec("long.mp4", "mp4", "libx264", "aac", 1280, 720, seconds=12.0))
    make_audio(folder / "audio.m4a")
    (folder / "text.mp4").write_text("this is not a video\n" * 200)
    return folder


@pytest.fixture
def media_server(media_folder: Path) -> Iterator[MediaServer]:
    state = MediaServer(folder=media_folder)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    video = REPRESENTATION.format(width=1280, height=720, bw=2_000_000, name="video720.mp4")
    state.extra["/dash/720.mpd"] = MPD.format(video=video).encode()
    thread = threading.Thread(target=httpd.serve_forever, name="media-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


PLUGINS = Path(__file__).parent / "ytdlp_plugins"


@pytest.fixture
def faketube(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The download worker (a subprocess) loads the FakeTube yt-dlp plugin (`ytdlp_plugins/`)."""
    paths = [str(PLUGINS), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    return PLUGINS


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def library(db: Database, tmp_path: Path) -> Path:
    """A root folder: without one, downloads are refused up front (tests/library/test_first_run.py)."""
    root = tmp_path / "library"
    root.mkdir()
    async with db.writer() as session:
        session.add(RootFolder(path=str(root), name="Library"))
        await session.commit()
        assert (await session.execute(select(RootFolder))).scalars().first() is not None
    return root


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(
        db,
        app.state.events,
        settings,
        providers=app.state.providers,
        slots=2,
        clock=Clock(),
        run_schedules=False,
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=1.0)


@pytest.fixture
async def app(app: Any) -> Any:
    """The app with loopback allowed by the network policy: this package's sources are local servers."""
    await allow_private_hosts(app)
    return app
