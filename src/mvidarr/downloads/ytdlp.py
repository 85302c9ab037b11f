"""Running the download subprocess (`mvidarr.downloads.worker`) from the event loop.

The loop never blocks: the process is async, its JSON lines are read as they come, and a stop
request (cancel, worker shutdown) kills the whole process group within one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from mvidarr.network.policy import NetworkPolicy
from mvidarr.network.proxy import GuardedProxy

POLL_S = 0.1
LINE_LIMIT = 16 * 1024 * 1024
STDERR_TAIL = 4000

EventCallback = Callable[[dict[str, Any]], Awaitable[None]]
StopCheck = Callable[[], bool]


class YtDlpFailed(Exception):
    """yt-dlp could not do what was asked; `kind` says how (transient, unavailable, private, geo, ...)."""

    def __init__(self, kind: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after_s = retry_after_s


class YtDlpStopped(Exception):
    """The caller asked to stop; the process group was killed."""


@dataclass(frozen=True, slots=True)
class Fetched:
    path: Path
    info: dict[str, Any]
    subtitles: list[Path] = field(default_factory=list)
    thumbnail: Path | None = None


def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


async def _drain(stream: asyncio.StreamReader | None, tail: bytearray) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        tail.extend(chunk)
        del tail[:-STDERR_TAIL]


async def run_worker(
    request: dict[str, Any],
    *,
    policy: NetworkPolicy,
    on_event: EventCallback | None = None,
    should_stop: StopCheck | None = None,
) -> dict[str, Any]:
    """Run one request in a new process group, its every connection through a guarded proxy under
    `policy`; answers its final event (`done` or `info`).

    Raises YtDlpFailed for an `error` event (or a crash; kind `refused` when the network policy refused
    a connection), YtDlpStopped when `should_stop` turned true.
    """
    async with GuardedProxy(policy) as proxy:
        try:
            return await _run({**request, "proxy": proxy.url}, on_event=on_event, should_stop=should_stop)
        except YtDlpFailed:
            if proxy.refusals:
                raise YtDlpFailed("refused", proxy.refusals[0]) from None
            raise


async def _run(
    request: dict[str, Any], *, on_event: EventCallback | None, should_stop: StopCheck | None
) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mvidarr.downloads.worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        limit=LINE_LIMIT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    tail = bytearray()
    drain = asyncio.create_task(_drain(process.stderr, tail), name=f"ytdlp-{process.pid}-stderr")
    final: dict[str, Any] | None = None
    try:
        # stdin stays open: the worker kills itself when it closes (this process died).
        process.stdin.write(orjson.dumps(request) + b"\n")
        await process.stdin.drain()
        while True:
            reading = asyncio.ensure_future(process.stdout.readline())
            while not reading.done():
                await asyncio.wait({reading}, timeout=POLL_S)
                if should_stop is not None and should_stop() and not reading.done():
                    reading.cancel()
                    _kill_group(process)
                    raise YtDlpStopped
            line = reading.result()
            if not line:
                break
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if event.get("event") in ("done", "info", "error"):
                final = event
            elif on_event is not None:
                await on_event(event)
            if should_stop is not None and should_stop():
                _kill_group(process)
                raise YtDlpStopped
        await process.wait()
    finally:
        _kill_group(process)
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(process.wait(), timeout=5)
        with contextlib.suppress(Exception):
            process.stdin.close()
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drain
    if final is None:
        why = tail.decode("utf-8", "replace").strip().splitlines()
        raise YtDlpFailed("error", f"yt-dlp exited with {process.returncode}: {why[-1] if why else 'no output'}")
    if final["event"] == "error":
        wait = final.get("retry_after_s")
        raise YtDlpFailed(
            str(final.get("kind") or "error"),
            str(final.get("message") or "yt-dlp failed"),
            float(wait) if isinstance(wait, int | float) else None,
        )
    return final


async def download(
    request: dict[str, Any],
    *,
    policy: NetworkPolicy,
    on_event: EventCallback | None = None,
    should_stop: StopCheck | None = None,
) -> Fetched:
    final = await run_worker({**request, "mode": "download"}, policy=policy, on_event=on_event, should_stop=should_stop)
    return Fetched(
        path=Path(final["path"]),
        info=dict(final.get("info") or {}),
        subtitles=[Path(p) for p in final.get("subtitles") or []],
        thumbnail=Path(final["thumbnail"]) if final.get("thumbnail") else None,
    )


async def list_formats(
    request: dict[str, Any], *, policy: NetworkPolicy, should_stop: StopCheck | None = None
) -> dict[str, Any]:
    """What a source offers (title, channel, duration, formats) without downloading anything."""
    final = await run_worker({**request, "mode": "info"}, policy=policy, should_stop=should_stop)
    return dict(final.get("info") or {})
