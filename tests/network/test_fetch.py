"""The guarded fetcher against real local HTTP servers: SSRF attempts refused, real fetches allowed
when the policy permits, redirects re-checked, limits on size, time and content type."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mvidarr.network.fetch import Fetcher, FetchFailed, FetchLimits, FetchRefused
from mvidarr.network.policy import NetworkPolicy, NetworkRefused, Resolver

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class _Handler(BaseHTTPRequestHandler):
    seen_hosts: list[str] = []

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
        _Handler.seen_hosts.append(self.headers.get("Host", ""))
        port = self.server.server_port  # type: ignore[attr-defined]
        if self.path == "/image.png":
            self._send(200, PNG)
        elif self.path == "/to-loopback":
            self._send(302, Location=f"http://127.0.0.1:{port}/image.png")
        elif self.path == "/to-localhost":
            self._send(301, Location=f"http://localhost:{port}/image.png")
        elif self.path == "/relative":
            self._send(302, Location="/image.png")
        elif self.path == "/loop":
            self._send(302, Location="/loop")
        elif self.path == "/text":
            self._send(200, b"hello", content_type="text/html")
        elif self.path == "/big":
            self._send(200, b"x" * 5000)
        elif self.path == "/slow":
            time.sleep(1.5)
            self._send(200, PNG)
        else:
            self._send(404, b"", content_type="text/plain")


def _serve(host: str) -> Iterator[int]:
    server = ThreadingHTTPServer((host, 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_port() -> Iterator[int]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def stand_in_port() -> Iterator[int]:
    """A server on 127.0.0.2, which the tests' policy treats as a public host."""
    yield from _serve("127.0.0.2")


def resolver(table: Mapping[str, Sequence[str]]) -> Resolver:
    async def resolve(host: str, _port: int) -> Sequence[str]:
        return table.get(host, ())

    return resolve


def stand_in_public(table: Mapping[str, Sequence[str]]) -> NetworkPolicy:
    """127.0.0.2 allowed (it plays a public host), everything else under the default policy."""
    return NetworkPolicy.allowing(["127.0.0.2"], resolver(table))


LOOPBACK = NetworkPolicy.allowing(["127.0.0.1"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/image.png",
        "http://localhost/image.png",
        "http://[::1]/image.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.example/image.png",  # resolves to 10.0.0.1
        "http://mixed.example/image.png",  # one public and one private answer
        "http://[::ffff:127.0.0.1]/image.png",
        "http://0.0.0.0/image.png",
        "http://224.0.0.1/image.png",
        "http://100.64.0.1/image.png",
        "http://2130706433/image.png",  # 127.0.0.1 written as a number
    ],
)
async def test_private_addresses_are_refused(url: str) -> None:
    table = {
        "localhost": ["127.0.0.1", "::1"],
        "internal.example": ["10.0.0.1"],
        "mixed.example": ["93.184.216.34", "192.168.1.10"],
        "2130706433": ["127.0.0.1"],
    }
    fetcher = Fetcher(policy=NetworkPolicy.allowing([], resolver(table)))
    with pytest.raises(NetworkRefused) as refused:
        await fetcher.fetch(url)
    assert refused.value.status == 422
    assert "refused by the network policy" in str(refused.value)
    assert "network.allowed_private_hosts" in str(refused.value)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "/relative", "http://user:pw@example.com/"]
)
async def test_other_schemes_and_credentials_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused):
        await Fetcher().fetch(url)


async def test_real_fetch_allowed_when_the_setting_permits(loopback_port: int) -> None:
    fetched = await Fetcher(policy=LOOPBACK).fetch(f"http://127.0.0.1:{loopback_port}/image.png")
    assert fetched.body == PNG
    assert fetched.content_type == "image/png"


async def test_connects_to_the_checked_address_with_the_name_in_host(stand_in_port: int) -> None:
    _Handler.seen_hosts.clear()
    fetcher = Fetcher(policy=stand_in_public({"img.example": ["127.0.0.2"]}))
    fetched = await fetcher.fetch(f"http://img.example:{stand_in_port}/relative")
    assert fetched.body == PNG
    assert fetched.url == f"http://img.example:{stand_in_port}/image.png"
    assert _Handler.seen_hosts == [f"img.example:{stand_in_port}"] * 2


@pytest.mark.parametrize("path", ["/to-loopback", "/to-localhost"])
async def test_redirect_to_loopback_is_refused(stand_in_port: int, path: str) -> None:
    table = {"img.example": ["127.0.0.2"], "localhost": ["127.0.0.1"]}
    fetcher = Fetcher(policy=stand_in_public(table))
    with pytest.raises(NetworkRefused, match=r"127\.0\.0\.1"):
        await fetcher.fetch(f"http://img.example:{stand_in_port}{path}")


async def test_redirect_loops_stop(loopback_port: int) -> None:
    fetcher = Fetcher(policy=LOOPBACK, limits=FetchLimits(max_redirects=3))
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        await fetcher.fetch(f"http://127.0.0.1:{loopback_port}/loop")


async def test_wrong_type_too_large_error_status_and_slow_answers_fail(loopback_port: int) -> None:
    base = f"http://127.0.0.1:{loopback_port}"
    fetcher = Fetcher(policy=LOOPBACK, limits=FetchLimits(max_bytes=1000, timeout_s=0.5))
    with pytest.raises(FetchFailed, match="text/html"):
        await fetcher.fetch(f"{base}/text")
    with pytest.raises(FetchFailed, match="limit is 1000"):
        await fetcher.fetch(f"{base}/big")
    with pytest.raises(FetchFailed, match="404"):
        await fetcher.fetch(f"{base}/missing")
    with pytest.raises(FetchFailed, match=r"within 0\.5 s") as slow:
        await fetcher.fetch(f"{base}/slow")
    assert slow.value.status == 502


async def test_unresolvable_names_fail() -> None:
    with pytest.raises(FetchFailed, match="cannot resolve"):
        await Fetcher(policy=NetworkPolicy.allowing([], resolver({}))).fetch("http://nowhere.example/x.png")
