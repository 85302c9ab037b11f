"""How one delivery is sent: a signed webhook POST, an Apprise notification, or a custom script.

Each sender returns a `Sent` (the answer, for the delivery log) or raises `SendFailed`; `retry` on
the failure says whether another attempt may help (network trouble, 429, 5xx) or not (a 4xx, a
refused URL, a script that is not there).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mvidarr.network.fetch import Fetcher, FetchLimits
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy

SIGNATURE_HEADER = "X-MVidarr-Signature"
TIMESTAMP_HEADER = "X-MVidarr-Timestamp"
EVENT_HEADER = "X-MVidarr-Event"
DELIVERY_HEADER = "X-MVidarr-Delivery"
RESPONSE_LOG = 2000
SCRIPT_OUTPUT = 8000


@dataclass(frozen=True, slots=True)
class Sent:
    status: int | None
    response: str


class SendFailed(Exception):
    def __init__(self, message: str, *, retry: bool, status: int | None = None, response: str | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.status = status
        self.response = response


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` under the target's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (tests and the README show it): compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def body_of(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)


async def send_webhook(
    url: str,
    secret: str | None,
    payload: dict[str, Any],
    *,
    delivery_id: int,
    policy: NetworkPolicy,
    timeout_s: float,
    transport: Any = None,
) -> Sent:
    body = body_of(payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: str(payload.get("event", "")),
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: timestamp,
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    fetcher = Fetcher(policy=policy, limits=FetchLimits(max_bytes=64 * 1024, timeout_s=timeout_s), transport=transport)
    try:
        answer = await fetcher.send("POST", url, headers=headers, content=body)
    except FetchRefused as exc:
        raise SendFailed(str(exc), retry=False) from None
    except FetchFailed as exc:
        raise SendFailed(str(exc), retry=True) from None
    text = answer.text(RESPONSE_LOG)
    if answer.ok:
        return Sent(answer.status, text)
    retry = answer.status == 429 or answer.status >= 500 or answer.status == 408
    raise SendFailed(f"the receiver answered {answer.status}", retry=retry, status=answer.status, response=text)


def describe_apprise(url: str) -> str:
    """What may be shown of an Apprise URL: its service, never its tokens."""
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    return f"{scheme}://…"


def _apprise_plugin(url: str) -> Any:
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise SendFailed(f"{describe_apprise(url)} is not a URL Apprise understands", retry=False)
    return plugin


async def check_apprise(url: str, policy: NetworkPolicy) -> None:
    """Refuse an Apprise URL whose host the network policy refuses (a LAN ntfy/Gotify/JSON endpoint must be
    allowed explicitly). Hosted services (Discord, Telegram...) have fixed public endpoints."""
    plugin = await asyncio.to_thread(_apprise_plugin, url)
    host = getattr(plugin, "host", None)
    if not isinstance(host, str) or not host:
        return
    secure = bool(getattr(plugin, "secure", False))
    port = getattr(plugin, "port", None)
    try:
        await policy.resolve(host, int(port) if isinstance(port, int) else (443 if secure else 80))
    except FetchFailed:
        return  # not a host name (a service's id in the host position) or unknown: Apprise reports it
    except FetchRefused as exc:
        raise SendFailed(str(exc), retry=False) from None


async def send_apprise(url: str, payload: dict[str, Any], *, policy: NetworkPolicy, timeout_s: float) -> Sent:
    import apprise

    await check_apprise(url, policy)
    title, text = headline(payload)

    def notify() -> tuple[bool, str]:
        notifier = apprise.Apprise()
        notifier.add(url)
        with apprise.LogCapture(level=apprise.logging.INFO) as output:  # type: ignore[no-untyped-call]
            ok = notifier.notify(title=title, body=text)
            return bool(ok), str(output.getvalue())

    try:
        async with asyncio.timeout(timeout_s):
            ok, log = await asyncio.to_thread(notify)
    except TimeoutError:
        raise SendFailed(f"{describe_apprise(url)}: no answer within {timeout_s:g} s", retry=True) from None
    log = _without(log, url)[-RESPONSE_LOG:]
    if not ok:
        raise SendFailed(f"{describe_apprise(url)}: Apprise could not send", retry=True, response=log)
    return Sent(None, log)


def _without(text: str, url: str) -> str:
    """Apprise logs may quote the URL; the delivery log never shows its tokens."""
    return text.replace(url, describe_apprise(url))


def headline(payload: dict[str, Any]) -> tuple[str, str]:
    """A title and a line of text for chat-style services."""
    event = str(payload.get("event", ""))
    data = payload.get("data") or {}
    subject = " - ".join(str(data[k]) for k in ("artist", "title") if data.get(k))
    parts = {
        "video.downloaded": "Downloaded",
        "video.upgraded": "Upgraded",
        "video.imported": "Imported",
        "download.failed": "Download failed",
        "videos.discovered": "New videos discovered",
        "video.trashed": "Moved to the trash",
        "video.deleted": "Deleted",
        "health.raised": "Health issue",
        "health.cleared": "Health issue cleared",
        "job.failed": "Job failed",
        "ytdlp.update_available": "yt-dlp update available",
        "test": "Test notification",
    }
    title = f"MVidarr: {parts.get(event, event)}"
    detail = data.get("message") or data.get("reason") or data.get("error") or ""
    if event == "videos.discovered":
        detail = f"{data.get('added', 0)} new videos of {data.get('artist', '?')}"
    text = " ".join(str(x) for x in (subject, detail) if x) or title
    return title, text


def script_path(folder: Path, name: str) -> Path:
    """The script `name` inside `folder`; refuses anything that leads outside it (.., links, absolute)."""
    if not name or "/" in name or "\\" in name or name in (".", "..") or "\0" in name:
        raise SendFailed(f"{name!r} is not a file name in the scripts folder", retry=False)
    base = folder.resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise SendFailed(f"{name!r} leads outside the scripts folder", retry=False)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SendFailed(f"{name!r} is not an executable file in {base}", retry=False)
    return path


def script_environment(payload: dict[str, Any], delivery_id: int) -> dict[str, str]:
    """The event as `MVIDARR_*` variables: MVIDARR_EVENT, MVIDARR_EVENT_ID, one per data field, and the
    whole event as JSON in MVIDARR_EVENT_JSON. Nothing of the server's own environment leaks in but PATH."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MVIDARR_EVENT": str(payload.get("event", "")),
        "MVIDARR_EVENT_ID": str(payload.get("id") or ""),
        "MVIDARR_EVENT_AT": str(payload.get("at", "")),
        "MVIDARR_DELIVERY_ID": str(delivery_id),
        "MVIDARR_EVENT_JSON": orjson.dumps(payload).decode(),
    }
    for key, value in (payload.get("data") or {}).items():
        name = "MVIDARR_" + "".join(c if c.isalnum() else "_" for c in str(key)).upper()
        if value is None:
            continue
        env[name] = value if isinstance(value, str) else orjson.dumps(value).decode()
    return env


async def run_script(folder: Path, name: str, payload: dict[str, Any], *, delivery_id: int, timeout_s: float) -> Sent:
    path = script_path(folder, name)
    process = await asyncio.create_subprocess_exec(
        str(path),
        cwd=str(path.parent),
        env=script_environment(payload, delivery_id),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(timeout_s):
            output, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        await process.wait()
        raise SendFailed(f"{name} ran longer than {timeout_s:g} s and was stopped", retry=False) from None
    text = output.decode("utf-8", "replace")[-SCRIPT_OUTPUT:]
    if process.returncode != 0:
        raise SendFailed(f"{name} exited with {process.returncode}", retry=False, status=process.returncode,
                         response=text)  # fmt: skip
    return Sent(0, text)
