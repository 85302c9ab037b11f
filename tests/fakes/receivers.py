"""Local servers that speak what MVidarr's integrations talk to: a webhook receiver that checks
signatures, Jellyfin, Plex (XML) and Kodi (JSON-RPC 2.0), each on a real 127.0.0.1 socket."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from xml.sax.saxutils import quoteattr

import orjson
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

App = TypeVar("App", bound="_Fake")


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class _Fake:
    received: list[Received] = field(default_factory=list)
    base: str = ""

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        item = Received(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            time.time(),
        )
        self.received.append(item)
        response = await self.answer(item)
        await response(scope, receive, send)

    async def answer(self, item: Received) -> Response:
        raise NotImplementedError


@dataclass
class WebhookReceiver(_Fake):
    """Takes JSON POSTs; answers 401 when a secret is set and the signature is wrong; `fail_first`
    answers the first N requests with `fail_status`."""

    secret: str | None = None
    fail_first: int = 0
    fail_status: int = 500
    verified: int = 0

    def signature_ok(self, item: Received) -> bool:
        if self.secret is None:
            return True
        timestamp = item.headers.get("x-mvidarr-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + item.body,
                                        hashlib.sha256).hexdigest()  # fmt: skip
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return fresh and hmac.compare_digest(expected, item.headers.get("x-mvidarr-signature", ""))

    async def answer(self, item: Received) -> Response:
        if not self.signature_ok(item):
            return Response(b'{"error": "bad signature"}', status_code=401, media_type="application/json")
        self.verified += 1
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response(b"try later", status_code=self.fail_status)
        return Response(b'{"ok": true}', media_type="application/json")

    def events(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received if r.method == "POST"]


JELLYFIN_KEY = "jellyfin-api-key"


@dataclass
class FakeJellyfin(_Fake):
    """Jellyfin 10.x: the key in `X-Emby-Token` or `Authorization: MediaBrowser Token="..."`."""

    def _authorised(self, item: Received) -> bool:
        if item.headers.get("x-emby-token") == JELLYFIN_KEY:
            return True
        found = re.search(r'Token="([^"]*)"', item.headers.get("authorization", ""))
        return found is not None and found.group(1) == JELLYFIN_KEY

    async def answer(self, item: Received) -> Response:
        if not self._authorised(item):
            return Response(b"", status_code=401)
        if item.method == "GET" and item.path == "/System/Info":
            info = {"ServerName": "den", "Version": "10.10.3", "Id": "f0e1d2", "OperatingSystem": "Linux"}
            return Response(orjson.dumps(info), media_type="application/json")
        if item.method == "POST" and item.path == "/Library/Media/Updated":
            updates = item.json().get("Updates")
            if not isinstance(updates, list) or not all("Path" in u for u in updates):
                return Response(b'{"title":"One or more validation errors occurred."}', status_code=400)
            return Response(status_code=204)
        if item.method == "POST" and item.path == "/Library/Refresh":
            return Response(status_code=204)
        return Response(b"", status_code=404)

    def updates(self) -> list[list[dict[str, str]]]:
        return [r.json()["Updates"] for r in self.received if r.path == "/Library/Media/Updated"]


PLEX_TOKEN = "plex-token"


@dataclass
class FakePlex(_Fake):
    """Plex Media Server: XML answers (no Accept: JSON asked), token in `X-Plex-Token` (header or query)."""

    sections: list[tuple[str, str, list[str]]] = field(
        default_factory=lambda: [("1", "Movies", ["/data/movies"]), ("4", "Music Videos", ["/data/musicvideos"])]
    )

    async def answer(self, item: Received) -> Response:
        token = item.headers.get("x-plex-token") or item.query.get("X-Plex-Token")
        if token != PLEX_TOKEN:
            return Response(b"<html><head><title>Unauthorized</title></head></html>", status_code=401,
                            media_type="text/html")  # fmt: skip
        if item.path == "/identity":
            xml = '<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="0" claimed="1" '
            xml += 'machineIdentifier="abc123" version="1.41.3.9314-a0bfb8370"> </MediaContainer>'
            return Response(xml.encode(), media_type="text/xml;charset=utf-8")
        if item.path == "/library/sections":
            parts = [f'<MediaContainer size="{len(self.sections)}" allowSync="0" title1="Plex Library">']
            for key, title, locations in self.sections:
                parts.append(f'<Directory allowSync="1" key="{key}" type="movie" title={quoteattr(title)} agent="x">')
                parts += [f'<Location id="{i}" path={quoteattr(p)} />' for i, p in enumerate(locations, 1)]
                parts.append("</Directory>")
            parts.append("</MediaContainer>")
            return Response(('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(parts)).encode(),
                            media_type="text/xml;charset=utf-8")  # fmt: skip
        found = re.fullmatch(r"/library/sections/(\d+)/refresh", item.path)
        if found and item.method == "GET":
            if found.group(1) not in {key for key, _t, _l in self.sections}:
                return Response(b"", status_code=404)
            return Response(b"", status_code=200)
        return Response(b"", status_code=404)

    def refreshes(self) -> list[tuple[str, str | None]]:
        out = []
        for r in self.received:
            found = re.fullmatch(r"/library/sections/(\d+)/refresh", r.path)
            if found:
                out.append((found.group(1), r.query.get("path")))
        return out


KODI_USER, KODI_PASSWORD = "kodi", "kodi-pass"


@dataclass
class FakeKodi(_Fake):
    """Kodi's JSON-RPC 2.0 over HTTP (`/jsonrpc`, basic auth); errors are JSON-RPC error objects with 200."""

    sources: list[str] = field(default_factory=lambda: ["/storage/videos/"])

    async def answer(self, item: Received) -> Response:
        expected = "Basic " + base64.b64encode(f"{KODI_USER}:{KODI_PASSWORD}".encode()).decode()
        if item.headers.get("authorization") != expected:
            return Response(b"401 Unauthorized", status_code=401)
        if item.path != "/jsonrpc" or item.method != "POST":
            return Response(b"", status_code=404)
        call = item.json()
        reply: dict[str, Any] = {"id": call.get("id"), "jsonrpc": "2.0"}
        method, params = call.get("method"), call.get("params") or {}
        if method == "JSONRPC.Ping":
            reply["result"] = "pong"
        elif method == "VideoLibrary.Scan":
            directory = params.get("directory", "")
            if directory and not any(directory.startswith(s) for s in self.sources):
                reply["error"] = {"code": -32602, "message": "Invalid params."}
            else:
                reply["result"] = "OK"
        elif method == "VideoLibrary.Clean":
            reply["result"] = "OK"
        else:
            reply["error"] = {"code": -32601, "message": "Method not found."}
        return Response(orjson.dumps(reply), media_type="application/json")

    def calls(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received if r.path == "/jsonrpc" and r.body]


@contextmanager
def serve(fake: App) -> Iterator[App]:
    """Serve `fake` on 127.0.0.1 (a free port) in a background thread until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-receiver")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake receiver did not start")
        time.sleep(0.01)
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
