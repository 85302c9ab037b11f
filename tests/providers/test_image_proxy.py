"""`GET /providers/image`: provider pictures served from our origin, fetched through the guarded
fetcher from the fake upstream (and a small local server for redirects, odd types and sizes)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from mvidarr.providers import image_proxy
from tests.conftest import ClientAs
from tests.fakes.fixtures import point_providers_at
from tests.fakes.upstream import FakeUpstream, fake_jpeg

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "image/png", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_port  # type: ignore[attr-defined]
        if self.path == "/pic.png":
            self._send(200, PNG)
        elif self.path == "/octet.png":
            self._send(200, PNG, content_type="application/octet-stream")
        elif self.path == "/here":
            self._send(302, Location="/pic.png")
        elif self.path == "/away":  # the same server under another name: not an allowed origin
            self._send(302, Location=f"http://localhost:{port}/pic.png")
        elif self.path == "/drawing.svg":
            self._send(200, SVG, content_type="image/svg+xml")
        elif self.path == "/lying.jpg":
            self._send(200, b"<html><body>not a picture</body></html>", content_type="image/jpeg")
        elif self.path == "/huge.jpg":
            self._send(200, b"\xff\xd8\xff" + b"\x00" * (image_proxy.MAX_BYTES + 10), content_type="image/jpeg")
        else:
            self._send(404, b"", content_type="text/plain")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the proxy hangs up on the oversized picture; that is the point


@pytest.fixture
def local_port() -> Iterator[int]:
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def on_fake(app: Any, fake_upstream: FakeUpstream) -> FakeUpstream:
    await point_providers_at(app.state.db, fake_upstream, app.state.auth.sealer)
    return fake_upstream


async def allow_private(client: httpx.AsyncClient, allowed: bool = True) -> None:
    hosts = ["127.0.0.1"] if allowed else []
    response = await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": hosts})
    assert response.status_code == 200, response.text


async def picture(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    return await client.get("/api/v1/providers/image", params={"url": url}, headers=headers)


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:mvidarr:problem:{kind}"
    return body


async def test_a_provider_picture_is_served_and_cached(
    client: httpx.AsyncClient, app: Any, on_fake: FakeUpstream
) -> None:
    await allow_private(client)
    url = f"{on_fake.base}/images/e1001.jpg"
    first = await picture(client, url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "private, max-age=86400"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.content == fake_jpeg("/e1001.jpg")
    # Asked again: from the cache under the data dir, not from the provider.
    again = await picture(client, url)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert len(on_fake.sent("images")) == 1
    cached = list((app.state.settings.data_dir / image_proxy.CACHE_DIR).iterdir())
    assert [p.suffix for p in cached] == [".jpg"]
    unchanged = await picture(client, url, **{"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    # Another picture is another cache entry.
    other = await picture(client, f"{on_fake.base}/images/e1002.jpg")
    assert other.status_code == 200
    assert other.content != first.content
    assert len(on_fake.sent("images")) == 2


async def test_an_expired_cache_entry_is_fetched_again(
    client: httpx.AsyncClient, app: Any, on_fake: FakeUpstream
) -> None:
    await allow_private(client)
    url = f"{on_fake.base}/images/stale.jpg"
    assert (await picture(client, url)).status_code == 200
    [entry] = (app.state.settings.data_dir / image_proxy.CACHE_DIR).iterdir()
    old = time.time() - image_proxy.CACHE_TTL_S - 60
    os.utime(entry, (old, old))
    assert (await picture(client, url)).status_code == 200
    assert len(on_fake.sent("images")) == 2


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "/relative/picture.jpg",
        "ftp://s.imvdb.com/picture.jpg",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://user:secret@s.imvdb.com/picture.jpg",
        "https://s.imvdb.com/" + "x" * 2100,
    ],
)
async def test_bad_urls_are_422_problems(client: httpx.AsyncClient, url: str) -> None:
    response = await picture(client, url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/picture.jpg",
        "https://imvdb.com.evil.example/picture.jpg",
        "https://notimvdb.com/picture.jpg",
        "https://s.imvdb.com:8443/picture.jpg",  # an allowed host, but not on its usual port
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:1/picture.jpg",  # loopback, but not a configured provider
    ],
)
async def test_hosts_outside_the_allowlist_are_refused_before_any_request(client: httpx.AsyncClient, url: str) -> None:
    await allow_private(client)  # even with private fetches allowed
    body = assert_problem(await picture(client, url), 422, "fetch-refused")
    assert "not a host the metadata providers serve pictures from" in body["detail"]


async def test_private_addresses_need_the_setting(client: httpx.AsyncClient, on_fake: FakeUpstream) -> None:
    url = f"{on_fake.base}/images/e1001.jpg"  # a configured provider's origin, on 127.0.0.1
    body = assert_problem(await picture(client, url), 422, "network-refused")
    assert "refused by the network policy" in body["detail"]
    assert "network.allowed_private_hosts" in body["detail"]
    assert on_fake.sent("images") == []
    await allow_private(client)
    assert (await picture(client, url)).status_code == 200


async def test_what_is_not_a_picture_is_refused(
    client: httpx.AsyncClient, app: Any, on_fake: FakeUpstream, local_port: int
) -> None:
    await allow_private(client)
    # JSON from a provider's own API: allowed origin, but not a picture.
    json_answer = await picture(client, f"{on_fake.base}/musicbrainz/ws/2/artist?query=bjork&fmt=json")
    assert_problem(json_answer, 422, "not-an-image")
    base = f"http://127.0.0.1:{local_port}"
    await client.patch("/api/v1/settings", json={"providers.wikipedia.base_url": base})
    assert_problem(await picture(client, f"{base}/drawing.svg"), 422, "not-an-image")  # SVG can carry script
    assert_problem(await picture(client, f"{base}/lying.jpg"), 422, "not-an-image")  # the bytes decide
    assert not (app.state.settings.data_dir / image_proxy.CACHE_DIR).exists()
    # A picture served as octet-stream is still a picture, served with the type its bytes show.
    octet = await picture(client, f"{base}/octet.png")
    assert octet.status_code == 200
    assert octet.headers["content-type"] == "image/png"


async def test_redirects_are_checked_against_the_allowlist(client: httpx.AsyncClient, local_port: int) -> None:
    await allow_private(client)
    base = f"http://127.0.0.1:{local_port}"
    await client.patch("/api/v1/settings", json={"providers.wikipedia.base_url": base})
    followed = await picture(client, f"{base}/here")
    assert followed.status_code == 200
    assert followed.content == PNG
    body = assert_problem(await picture(client, f"{base}/away"), 422, "fetch-refused")
    assert f"localhost:{local_port}" in body["detail"]


async def test_failures_upstream_are_502(client: httpx.AsyncClient, on_fake: FakeUpstream, local_port: int) -> None:
    await allow_private(client)
    assert_problem(await picture(client, f"{on_fake.base}/images/missing.jpg"), 502, "fetch-failed")
    base = f"http://127.0.0.1:{local_port}"
    await client.patch("/api/v1/settings", json={"providers.wikipedia.base_url": base})
    too_big = assert_problem(await picture(client, f"{base}/huge.jpg"), 502, "fetch-failed")
    assert "limit" in too_big["detail"]


async def test_every_signed_in_role_may_see_pictures_and_no_one_else(
    anon_client: httpx.AsyncClient, client: httpx.AsyncClient, client_as: ClientAs, on_fake: FakeUpstream
) -> None:
    await allow_private(client)
    url = f"{on_fake.base}/images/e1001.jpg"
    anonymous = await picture(anon_client, url)
    assert anonymous.status_code == 401
    assert on_fake.sent("images") == []
    reader = await client_as(Role.READONLY)
    assert (await picture(reader, url)).status_code == 200


def test_allowlist_matches_hosts_and_their_subdomains_only() -> None:
    allowed = image_proxy.allowed_by(["http://127.0.0.1:8123/imvdb", "https://mirror.example/ws/2"])
    yes = [
        "https://s.imvdb.com/assets/picture.jpg",
        "https://imvdb.com/picture.jpg",
        "https://upload.wikimedia.org/wikipedia/commons/a/ab/X.jpg",
        "https://commons.wikimedia.org/wiki/Special:FilePath/X.jpg",
        "https://i.scdn.co/image/ab6761610000e5eb",
        "http://www.theaudiodb.com/images/media/artist/thumb/x.jpg",
        "https://i.ytimg.com/vi/LKYPYj2XX80/hqdefault.jpg",
        "https://yt3.ggpht.com/avatar.jpg",
        "https://I.YTIMG.COM./vi/x/default.jpg",
        "http://127.0.0.1:8123/images/x.jpg",
        "https://mirror.example/other/path.png",
    ]
    no = [
        "https://googleusercontent.com/x.jpg",
        "https://evil-ytimg.com/x.jpg",
        "https://ytimg.com.evil.example/x.jpg",
        "http://127.0.0.1:8124/images/x.jpg",
        "https://127.0.0.1:8123/images/x.jpg",
        "http://mirror.example/other/path.png",
        "https://i.ytimg.com:444/vi/x/default.jpg",
    ]
    assert [u for u in yes if not allowed(httpx.URL(u))] == []
    assert [u for u in no if allowed(httpx.URL(u))] == []


def test_pictures_are_known_by_their_bytes() -> None:
    assert image_proxy.sniff(fake_jpeg("x")) == "image/jpeg"
    assert image_proxy.sniff(PNG) == "image/png"
    assert image_proxy.sniff(b"GIF89a" + b"\x00" * 10) == "image/gif"
    assert image_proxy.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_proxy.sniff(b"\x00\x00\x00\x1cftypavif\x00\x00") == "image/avif"
    assert image_proxy.sniff(SVG) is None
    assert image_proxy.sniff(b"") is None
    assert image_proxy.sniff(b'{"a": 1}') is None


def test_prune_drops_expired_then_oldest(tmp_path: Path) -> None:
    now = time.time()
    for index in range(5):
        path = tmp_path / f"{index}.jpg"
        path.write_bytes(b"x")
        os.utime(path, (now - index * 10, now - index * 10))
    expired = tmp_path / "old.jpg"
    expired.write_bytes(b"x")
    os.utime(expired, (now - image_proxy.CACHE_TTL_S - 1,) * 2)
    assert image_proxy.prune(tmp_path, now, max_files=3) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.jpg", "1.jpg", "2.jpg"]
    assert image_proxy.prune(tmp_path / "absent", now) == 0
