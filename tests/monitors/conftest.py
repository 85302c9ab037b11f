"""Monitor fixtures: a job runner and a local HTTP server serving a feed yt-dlp reads as a playlist."""

from __future__ import annotations

import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from tests.conftest import allow_private_hosts
from tests.discovery.conftest import FAST


@dataclass
class Feed:
    """An RSS feed of uploads; tests change `items` between checks."""

    url: str = ""
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (title, youtube id, RFC 822 date)
    hits: int = 0

    def body(self) -> bytes:
        entries = "".join(
            f"<item><title>{title}</title><link>https://www.youtube.com/watch?v={vid}</link>"
            f"<guid>yt:video:{vid}</guid><pubDate>{when}</pubDate></item>"
            for title, vid, when in self.items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Uploads</title>'
            f"<link>http://127.0.0.1/</link>{entries}</channel></rss>"
        ).encode()


@pytest.fixture
def feed() -> Iterator[Feed]:
    state = Feed()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            if self.path != "/feed.xml":
                self.send_error(404)
                return
            body = state.body()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=2, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


@pytest.fixture
async def app(app: Any) -> Any:
    """The app with loopback allowed by the network policy: this package's sources are local servers."""
    await allow_private_hosts(app)
    return app
