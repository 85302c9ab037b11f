"""Keeping yt-dlp current: a check against PyPI's JSON API, an update in place with a self-test, a rollback.

Sites change under yt-dlp every few weeks; an old one fails downloads. The check asks
`<index>/yt-dlp/json` (PyPI's JSON API) for the newest release; the update runs pip in a subprocess
on the interpreter MVidarr runs in (`sys.executable -m pip install yt-dlp==X`), then imports yt-dlp in
a fresh interpreter and extracts a page from a loopback server it starts itself; if that fails the
previous version is installed again. Every download runs yt-dlp in a new subprocess
(`downloads.worker`), so the next download uses the new version without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from mvidarr.network.fetch import Fetcher, FetchLimits
from mvidarr.network.policy import NetworkPolicy

PACKAGE = "yt-dlp"
PIP_TIMEOUT_S = 600.0
SELF_TEST_TIMEOUT_S = 120.0
VERSION_RE = re.compile(r"^\d+(\.\d+)*$")
SELF_TEST_BODY = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 1000
# In a fresh interpreter: the installed yt-dlp imports, and its generic extractor reads a page.
SELF_TEST = """
import json, sys
import yt_dlp
options = {"quiet": True, "no_warnings": True, "noplaylist": True, "cachedir": False, "proxy": ""}
with yt_dlp.YoutubeDL(options) as ydl:
    info = ydl.extract_info(sys.argv[1], download=False)
assert info and (info.get("url") or info.get("formats")), "nothing extracted"
print(json.dumps({"version": yt_dlp.version.__version__, "title": info.get("title")}))
"""
INSTALLED = "import importlib.metadata as m; print(m.version('yt-dlp'))"


class UpdateFailed(Exception):
    """pip, the self-test or the rollback failed; the message says which and how."""


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    """The newest release on the index."""


def version_key(version: str) -> tuple[int, ...] | None:
    """yt-dlp's versions are dates (2026.10.26, 2026.10.26.1); None for anything else (a dev build)."""
    return tuple(int(part) for part in version.split(".")) if VERSION_RE.match(version) else None


def is_newer(candidate: str | None, installed: str | None) -> bool:
    if candidate is None:
        return False
    new = version_key(candidate)
    if new is None:
        return False
    if installed is None:
        return True
    old = version_key(installed)
    return old is not None and new > old


async def latest_release(index_url: str, policy: NetworkPolicy) -> Release:
    """The newest yt-dlp on PyPI's JSON API at `index_url` (https://pypi.org/pypi), through the network policy."""
    fetcher = Fetcher(
        policy=policy, limits=FetchLimits(max_bytes=32 * 1024 * 1024, content_types=("application/json",))
    )
    fetched = await fetcher.fetch(f"{index_url.rstrip('/')}/{PACKAGE}/json", headers={"Accept": "application/json"})
    try:
        version = orjson.loads(fetched.body)["info"]["version"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise UpdateFailed(f"{fetched.url} did not answer PyPI's JSON (info.version)") from None
    if not isinstance(version, str) or version_key(version) is None:
        raise UpdateFailed(f"{fetched.url} named an odd version: {version!r}")
    return Release(version=version)


async def _run(*args: str, timeout_s: float) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return -1, f"no answer within {timeout_s:g} s"
    return int(process.returncode or 0), out.decode("utf-8", "replace")


async def installed_version(python: str) -> str | None:
    """The yt-dlp version installed for interpreter `python` (None when it is not installed)."""
    code, out = await _run(python, "-c", INSTALLED, timeout_s=60.0)
    return out.strip().splitlines()[-1] if code == 0 and out.strip() else None


async def install(python: str, version: str, *, index_url: str | None) -> None:
    """`python -m pip install yt-dlp==version` (from `index_url`, a PEP 503 simple index, when given)."""
    args = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet"]
    if index_url:
        args += ["--index-url", index_url]
    code, out = await _run(*args, f"{PACKAGE}=={version}", timeout_s=PIP_TIMEOUT_S)
    if code != 0:
        raise UpdateFailed(f"pip could not install {PACKAGE} {version}: {_tail(out)}")


@contextlib.contextmanager
def _test_page() -> Iterator[str]:
    """A loopback server with one small video file: what the self-test extracts."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(SELF_TEST_BODY)))
            self.end_headers()
            if not head:
                self.wfile.write(SELF_TEST_BODY)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="ytdlp-self-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/self-test.mp4"
    finally:
        server.shutdown()
        server.server_close()


async def self_test(python: str) -> str:
    """Import yt-dlp in a fresh `python` and extract a loopback page; answers the version that passed."""
    with _test_page() as url:
        code, out = await _run(python, "-c", SELF_TEST, url, timeout_s=SELF_TEST_TIMEOUT_S)
    if code != 0:
        raise UpdateFailed(f"the self-test failed: {_tail(out, 1)}")
    try:
        return str(orjson.loads(out.strip().splitlines()[-1])["version"])
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        raise UpdateFailed(f"the self-test answered oddly: {_tail(out)}") from None


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    previous: str | None
    installed: str
    rolled_back: bool
    reason: str | None = None


async def update(python: str, version: str, *, index_url: str | None) -> UpdateOutcome:
    """Install `version`, self-test it, and install the previous version again if the test fails.

    Raises UpdateFailed when pip fails (nothing changed) or the rollback fails too."""
    previous = await installed_version(python)
    await install(python, version, index_url=index_url)
    try:
        tested = await self_test(python)
    except UpdateFailed as failed:
        if previous is None:
            raise UpdateFailed(f"{PACKAGE} {version} {failed}; there was no earlier version to go back to") from None
        try:
            await install(python, previous, index_url=index_url)
            await self_test(python)
        except UpdateFailed as again:
            raise UpdateFailed(f"{PACKAGE} {version} {failed}; going back to {previous} failed too: {again}") from None
        return UpdateOutcome(previous=previous, installed=previous, rolled_back=True, reason=str(failed))
    return UpdateOutcome(previous=previous, installed=tested, rolled_back=False)


def default_python() -> str:
    """The interpreter MVidarr runs in: the update goes into the running environment."""
    return sys.executable


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[:1500] or "no output"
