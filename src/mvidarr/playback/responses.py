"""Responses that send a file range, or a remux from ffmpeg, and stop the moment the client goes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Mapping

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mvidarr.errors import MvidarrError, ServiceUnavailable
from mvidarr.playback.ranges import RangeNotSatisfiable, parse_range
from mvidarr.playback.service import StreamSource, remux_command

log = logging.getLogger(__name__)
# Big enough that a stream costs few thread hops and sends; 32 streams hold 32 MiB at most.
CHUNK = 1024 * 1024


class TranscodeSlots:
    """A count of concurrent ffmpeg streams; taking one never waits (the event loop owns it)."""

    def __init__(self, size: int) -> None:
        self.free = size

    def try_take(self) -> bool:
        if self.free <= 0:
            return False
        self.free -= 1
        return True

    def give_back(self) -> None:
        self.free += 1


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _send_stream(
    scope: Scope, receive: Receive, send: Send, status: int, headers: Mapping[str, str], body: AsyncIterator[bytes]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    async with anyio.create_task_group() as group:

        async def pump() -> None:
            async for chunk in body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            group.cancel_scope.cancel()

        async def watch() -> None:
            await _until_disconnect(receive)
            group.cancel_scope.cancel()

        group.start_soon(pump)
        group.start_soon(watch)


class FileRangeResponse(Response):
    """Bytes `start..end` (inclusive) of a file, read by a worker thread in 256 KiB chunks."""

    def __init__(
        self, path: str, start: int, end: int, *, status_code: int, headers: Mapping[str, str], send_body: bool
    ) -> None:
        super().__init__(status_code=status_code, headers=dict(headers))
        self.path = path
        self.start = start
        self.end = end
        self.send_body = send_body

    async def _chunks(self) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path, "rb") as handle:
            await handle.seek(self.start)
            remaining = self.end - self.start + 1
            while remaining > 0:
                chunk = await handle.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}
        if not self.send_body:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_stream(scope, receive, send, self.status_code, headers, self._chunks())


def _without_length(response: Response) -> Response:
    """A stream whose length is unknown: no Content-Length (Starlette adds `0` for an empty body),
    so the server sends it chunked."""
    response.raw_headers = [(k, v) for k, v in response.raw_headers if k != b"content-length"]
    return response


class ProcessStreamResponse(Response):
    """The stdout of a process (ffmpeg), sent chunked, killed when the client leaves or the stream ends."""

    def __init__(self, command: list[str], *, headers: Mapping[str, str], slots: TranscodeSlots) -> None:
        super().__init__(status_code=200, headers=dict(headers))
        _without_length(self)
        self.command = command
        self.slots = slots

    async def _chunks(self, process: asyncio.subprocess.Process) -> AsyncIterator[bytes]:
        assert process.stdout is not None
        while chunk := await process.stdout.read(CHUNK):
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            try:
                await _send_stream(scope, receive, send, 200, headers, self._chunks(process))
            finally:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                with contextlib.suppress(ProcessLookupError):
                    await process.wait()
            if process.returncode not in (0, -signal.SIGKILL) and process.stderr is not None:
                # The stream ended early because ffmpeg failed (the client did not leave): say why.
                said = (await process.stderr.read(4000)).decode("utf-8", "replace").strip()
                source = self.command[self.command.index("-i") + 1] if "-i" in self.command else "?"
                log.warning("remux of %s failed (ffmpeg exit %s): %s", source, process.returncode, said)
        finally:
            self.slots.give_back()


class RangeNotSatisfiableError(MvidarrError):
    status, kind, title = 416, "range-not-satisfiable", "Range not satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(f"the file has {size} bytes", headers={"Content-Range": f"bytes */{size}"})


class TranscodersBusy(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__("every transcoding slot is in use; try again shortly", headers={"Retry-After": "5"})


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in [tag.strip().removeprefix("W/") for tag in header.split(",")]


def file_response(
    source: StreamSource, *, method: str, range_header: str | None, if_range: str | None, if_none_match: str | None
) -> Response:
    """200, 206, 304 or 416 for a direct read of the file, per RFC 9110."""
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        "Last-Modified": source.last_modified,
        "Content-Type": source.content_type,
        "Cache-Control": "private, no-transform",
    }
    if _matches(if_none_match, source.etag):
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    use_range = if_range is None or if_range.strip() in (source.etag, source.last_modified)
    try:
        byte_range = parse_range(range_header, source.size) if use_range else None
    except RangeNotSatisfiable:
        raise RangeNotSatisfiableError(source.size) from None
    send_body = method != "HEAD"
    if byte_range is None:
        headers["Content-Length"] = str(source.size)
        return FileRangeResponse(
            str(source.path), 0, source.size - 1, status_code=200, headers=headers, send_body=send_body
        )
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{source.size}"
    return FileRangeResponse(
        str(source.path), byte_range.start, byte_range.end, status_code=206, headers=headers, send_body=send_body
    )


def remux_response(
    source: StreamSource, *, method: str, ffmpeg: str, slots: TranscodeSlots, start_s: float = 0.0
) -> Response:
    """Fragmented MP4 made on the fly from `start_s` on; no ranges (the length is not known in advance),
    so a player seeks by asking for the stream again from the new position."""
    headers = {
        "Content-Type": "video/mp4",
        "Accept-Ranges": "none",
        "Cache-Control": "no-store",
        "X-Stream-Start": f"{start_s:.3f}",
    }
    if source.duration_s:
        headers["X-Content-Duration"] = f"{source.duration_s:.3f}"
    if method == "HEAD":
        return _without_length(Response(status_code=200, headers=headers))
    # Taken now, given back by the response when ffmpeg is done or the client leaves.
    if not slots.try_take():
        raise TranscodersBusy
    return ProcessStreamResponse(remux_command(ffmpeg, source, start_s=start_s), headers=headers, slots=slots)
