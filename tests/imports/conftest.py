import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import allow_private_hosts
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401


@pytest.fixture
async def app(app: Any) -> Any:
    """The app with loopback allowed by the network policy: the fake Lidarr is a local server."""
    await allow_private_hosts(app)
    return app


LIDARR_KEY = "0123456789abcdef0123456789abcdef"
LIDARR_ARTISTS = [
    {"artistName": "Queen", "foreignArtistId": "0383dadf-2a4e-4d10-a46a-e9e041da8eb3", "monitored": True},
    {"artistName": "Björk", "foreignArtistId": "87c5dedd-371d-4a53-9f7f-80522fb7f3cb", "monitored": False},
    {"artistName": "Daft Punk", "foreignArtistId": "056e4f3e-d505-4dad-8ec1-d04f521cbb56", "monitored": True},
]


@pytest.fixture
def lidarr() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"requests": [], "huge_done": threading.Event()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["requests"].append((self.path, self.headers.get("X-Api-Key")))
            if self.path.startswith("/other/") and self.path.endswith("/api/v1/artist"):
                # Some other JSON service: names, but no MusicBrainz ids.
                self._json(json.dumps([{"artistName": "internal-db-password"}]).encode())
                return
            if self.path == "/huge/api/v1/artist":
                self._endless()
                return
            if self.path != "/api/v1/artist":
                self.send_error(404)
                return
            if self.headers.get("X-Api-Key") != LIDARR_KEY:
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps(LIDARR_ARTISTS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _endless(self) -> None:
            """64 MiB of JSON without a Content-Length: only a reader that counts as it goes stops early."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            try:
                self.wfile.write(b"[")
                for _ in range(1024):
                    self.wfile.write(chunk)
                    state["huge_sent"] = state.get("huge_sent", 0) + len(chunk)
                state["huge_finished"] = True
            except OSError:
                state["huge_finished"] = False
            state["huge_done"].set()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
