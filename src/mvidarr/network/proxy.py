"""A guarded forward proxy for yt-dlp: every connection yt-dlp (and the ffmpeg it starts) makes goes
through it, so the network policy holds for the first request, every redirect, every manifest and
every fragment, whatever the extractor does (see docs/decisions/0027-outbound-network-policy.md).

One proxy per yt-dlp run, on 127.0.0.1 and an ephemeral port, living as long as the run. It speaks
just what an HTTP client sends a proxy: `CONNECT host:port` (https: the tunnel carries TLS end to
end) and absolute-form requests for plain http (forwarded with `Connection: close`, so each
connection carries one request and every request's host is checked). The host is resolved once, each
address checked, and the connection made to a checked address (no second lookup to rebind).
Refusals answer `403 Refused by the network policy` and are kept in `refusals` for the caller's error.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from urllib.parse import urlsplit

from mvidarr.network.policy import FetchFailed, NetworkPolicy, NetworkRefused

HEAD_LIMIT = 64 * 1024
HEAD_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 20.0
CHUNK = 64 * 1024
REFUSED = b"HTTP/1.1 403 Refused by the network policy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"})


class _Unusable(Exception):
    """The client sent something a proxy does not forward."""


def _host_port(authority: str, default_port: int) -> tuple[str, int]:
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if not host or (port and not port.isdigit()):
        raise _Unusable(authority)
    number = int(port) if port else default_port
    if not 0 < number < 65536:
        raise _Unusable(authority)
    return host, number


class GuardedProxy:
    """`async with GuardedProxy(policy) as proxy:` then hand `proxy.url` to yt-dlp."""

    def __init__(self, policy: NetworkPolicy, *, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.policy = policy
        self.connect_timeout_s = connect_timeout_s
        self.refusals: list[str] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not running"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> GuardedProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=HEAD_LIMIT)
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, _Unusable):
            with contextlib.suppress(Exception):
                writer.write(BAD_REQUEST)
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise _Unusable(lines[0])
        method, target, _version = parts
        if method.upper() == "CONNECT":
            host, port = _host_port(target, 443)
            upstream = await self._open(host, port, writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await self._relay(reader, writer, *upstream)
            return
        url = urlsplit(target)
        if url.scheme.lower() != "http" or not url.netloc or "@" in url.netloc:
            raise _Unusable(target)
        host, port = _host_port(url.netloc, 80)
        upstream = await self._open(host, port, writer)
        if upstream is None:
            return
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        headers = [line for line in lines[1:] if line and line.split(":", 1)[0].strip().lower() not in HOP_HEADERS]
        request = "\r\n".join([f"{method} {path} HTTP/1.1", *headers, "Connection: close", "", ""])
        upstream[1].write(request.encode("latin-1"))
        await self._relay(reader, writer, *upstream)

    async def _open(
        self, host: str, port: int, writer: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            addresses = await self.policy.resolve(host, port)
        except NetworkRefused as refused:
            self.refusals.append(str(refused))
            writer.write(REFUSED)
            await writer.drain()
            return None
        except FetchFailed:
            writer.write(BAD_GATEWAY)
            await writer.drain()
            return None
        for address in addresses:
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(str(address), port, limit=CHUNK), self.connect_timeout_s
                )
            except (OSError, TimeoutError):
                continue
        writer.write(BAD_GATEWAY)
        await writer.drain()
        return None

    async def _relay(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> None:
        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while chunk := await source.read(CHUNK):
                    sink.write(chunk)
                    await sink.drain()
                if sink.can_write_eof():
                    sink.write_eof()

        upload = asyncio.create_task(pipe(client_reader, upstream_writer))
        try:
            await pipe(upstream_reader, client_writer)
        finally:
            upload.cancel()
            with contextlib.suppress(BaseException):
                await upload
            with contextlib.suppress(Exception):
                upstream_writer.close()
