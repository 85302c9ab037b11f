"""The guarded proxy yt-dlp runs behind: refusals at the first hop, at a redirect and behind a DNS name,
CONNECT tunnels under the same rule, and real yt-dlp runs that cannot be redirected out of the policy."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from mvidarr.downloads import ytdlp
from mvidarr.network.policy import NetworkPolicy, Resolver
from mvidarr.network.proxy import GuardedProxy

pytestmark = pytest.mark.anyio
BODY = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", "http://" + self.path.removeprefix("/to/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if not head:
            self.wfile.write(BODY)


def _serve(host: str) -> Iterator[int]:
    server = ThreadingHTTPServer((host, 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
    """A server on 127.0.0.2: the tests' policy allows it, so it plays a public host."""
    yield from _serve("127.0.0.2")


def resolver(table: Mapping[str, Sequence[str]]) -> Resolver:
    async def resolve(host: str, _port: int) -> Sequence[str]:
        return table.get(host, ())

    return resolve


DNS = {"public.example": ["127.0.0.2"], "internal.example": ["127.0.0.1"]}
STAND_IN = NetworkPolicy.allowing(["127.0.0.2"], resolver(DNS))


async def test_plain_http_through_the_proxy_is_checked(loopback_port: int) -> None:
    async with GuardedProxy(NetworkPolicy.allowing([], resolver(DNS))) as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False) as http:
            refused = await http.get(f"http://127.0.0.1:{loopback_port}/clip.mp4")
        assert refused.status_code == 403
        assert refused.reason_phrase == "Refused by the network policy"
        assert "127.0.0.1" in proxy.refusals[0]
        assert "network.allowed_private_hosts" in proxy.refusals[0]
    async with GuardedProxy(NetworkPolicy.allowing(["127.0.0.1"])) as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False) as http:
            allowed = await http.get(f"http://127.0.0.1:{loopback_port}/clip.mp4")
        assert (allowed.status_code, allowed.content) == (200, BODY)
        assert proxy.refusals == []


async def test_a_redirect_to_loopback_is_refused_at_the_proxy(stand_in_port: int, loopback_port: int) -> None:
    async with GuardedProxy(STAND_IN) as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False, follow_redirects=True) as http:
            response = await http.get(f"http://public.example:{stand_in_port}/to/127.0.0.1:{loopback_port}/x.mp4")
        assert response.status_code == 403
        assert len(proxy.refusals) == 1
        assert "127.0.0.1" in proxy.refusals[0]


async def _connect(proxy_url: str, target: str) -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = proxy_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    return await reader.readuntil(b"\r\n\r\n"), reader, writer


async def test_connect_tunnels_follow_the_same_rule(stand_in_port: int, loopback_port: int) -> None:
    async with GuardedProxy(STAND_IN) as proxy:
        for target in (f"127.0.0.1:{loopback_port}", f"internal.example:{loopback_port}", "[::1]:443"):
            head, _reader, writer = await _connect(proxy.url, target)
            writer.close()
            assert head.startswith(b"HTTP/1.1 403 Refused by the network policy"), (target, head)
        head, reader, writer = await _connect(proxy.url, f"public.example:{stand_in_port}")
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(b"GET /clip.mp4 HTTP/1.1\r\nHost: public.example\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200")
        assert answer.endswith(BODY)


async def test_an_unresolvable_name_is_a_bad_gateway_not_a_refusal() -> None:
    async with GuardedProxy(STAND_IN) as proxy:
        async with httpx.AsyncClient(proxy=proxy.url, trust_env=False) as http:
            response = await http.get("http://nowhere.example/x")
        assert response.status_code == 502
        assert proxy.refusals == []


async def test_yt_dlp_cannot_be_redirected_to_loopback(stand_in_port: int, loopback_port: int) -> None:
    url = f"http://public.example:{stand_in_port}/to/127.0.0.1:{loopback_port}/clip.mp4"
    with pytest.raises(ytdlp.YtDlpFailed) as failed:
        await ytdlp.list_formats({"url": url, "socket_timeout": 10.0, "retries": 0}, policy=STAND_IN)
    assert failed.value.kind == "refused"
    assert "127.0.0.1" in failed.value.message
    assert "refused by the network policy" in failed.value.message
    assert "network.allowed_private_hosts" in failed.value.message


async def test_yt_dlp_behind_a_name_that_resolves_to_loopback_is_refused(loopback_port: int) -> None:
    url = f"http://internal.example:{loopback_port}/clip.mp4"
    with pytest.raises(ytdlp.YtDlpFailed) as failed:
        await ytdlp.list_formats({"url": url, "socket_timeout": 10.0, "retries": 0}, policy=STAND_IN)
    assert failed.value.kind == "refused"
    assert "internal.example (127.0.0.1) is a loopback address" in failed.value.message


async def test_yt_dlp_follows_an_allowed_redirect(stand_in_port: int, loopback_port: int) -> None:
    policy = NetworkPolicy.allowing(["127.0.0.2", "127.0.0.1"], resolver(DNS))
    url = f"http://public.example:{stand_in_port}/to/127.0.0.1:{loopback_port}/clip.mp4"
    info = await ytdlp.list_formats({"url": url, "socket_timeout": 10.0, "retries": 0}, policy=policy)
    assert info["webpage_url"] == f"http://127.0.0.1:{loopback_port}/clip.mp4"
    assert info["formats"], info
