"""Structured JSON logs carrying the request id, and the middleware that assigns it.

Secrets are redacted from every line (tokens, API keys, passwords, URL credentials), and the most
recent records are kept in a bounded in-memory ring that the logs view reads.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Request ids: a random prefix per process and a counter; unique across processes and restarts
# for log correlation, and much cheaper per request than uuid4.
_ID_PREFIX = secrets.token_hex(8)
_id_counter = itertools.count(1)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
access_log = logging.getLogger("mvidarr.access")


def current_request_id() -> str | None:
    return _request_id.get()


REDACTED = "[redacted]"
_SECRET_WORD = re.compile(
    r"(?i)passw(?:or)?d|passphrase|secret|token|api[_-]?key|authori[sz]ation|cookie|credential|"
    r"refresh|csrf|session[_-]?id|totp[_-]?code|recovery[_-]?codes?"
)
# Cheap first looks (plain substring tests on the lowercased text): most lines hold none of these,
# and case-insensitive regex alternations cost a lot more than `in` on long messages.
_PAIR_HINTS = ("passw", "passphrase", "secret", "token", "api", "authori", "cookie", "credential",
               "refresh", "csrf", "session", "totp", "recovery")  # fmt: skip
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_API_KEY = re.compile(r"\bmvk_[A-Za-z0-9_-]+")
_API_KEY_PREFIX = re.compile(r"^mvk_[0-9a-f]{8}_")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s/@]+@")
# A secret field is found from its `:` or `=` (rare, and found at C speed), looking back for the
# name; scanning every position for names costs ~100 µs on a 2 KB line.
_SEPARATOR = re.compile(r"[:=]")
_VALUE = re.compile(
    r"""(?i)(?:bearer|basic) \[redacted\]|"[^"]*"|'[^']*'|[^\s,;&}\])'"]*\[redacted\]|[^\s,;&}\])'"]+"""
)


def _redact_api_key(match: re.Match[str]) -> str:
    key = match.group(0)
    if len(key) <= 12:
        return key  # `mvk_1a2b3c4d` is the visible prefix that key lists show, not the secret
    if _API_KEY_PREFIX.match(key):
        return key[:13] + REDACTED
    return "mvk_" + REDACTED


def _field_name(text: str, separator: int, floor: int) -> str:
    """The field name ending just before the `:` or `=` at `separator` (past spaces and a quote)."""
    i = separator
    while i > floor and text[i - 1] in " \t":
        i -= 1
    if i > floor and text[i - 1] in "\"'":
        i -= 1
    end = i
    while i > floor and (text[i - 1].isalnum() or text[i - 1] in "_.-"):
        i -= 1
    return text[i:end]


def _redact_fields(text: str) -> str:
    parts: list[str] = []
    done = 0
    for separator in _SEPARATOR.finditer(text):
        at = separator.start()
        if at < done or not _SECRET_WORD.search(_field_name(text, at, done)):
            continue
        start = at + 1
        while start < len(text) and text[start] in " \t":
            start += 1
        value = _VALUE.match(text, start)
        if value is None:
            continue
        quote = value.group(0)[0] if value.group(0)[0] in "\"'" else ""
        parts += (text[done:start], quote, REDACTED, quote)
        done = value.end()
    return "".join(parts) + text[done:] if parts else text


def redact(text: str) -> str:
    """`text` with bearer and basic credentials, JWTs, API keys, URL passwords and the values of
    secret-looking fields (`password=...`, `"token": "..."`, `Authorization: ...`) replaced."""
    if not text:
        return text
    lower = text.lower()
    if "bearer" in lower or "basic" in lower:
        text = _BEARER.sub(rf"\1 {REDACTED}", text)
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if "mvk_" in text:
        text = _API_KEY.sub(_redact_api_key, text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    if ("=" in text or ":" in text) and any(hint in lower for hint in _PAIR_HINTS):
        text = _redact_fields(text)
    return text


def redact_value(name: str, value: Any, depth: int = 0) -> Any:
    """A log record's extra field made safe: secret-named fields hidden, strings redacted,
    containers walked (a few levels deep)."""
    if name and _SECRET_WORD.search(name):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if depth >= 3:
        return value if isinstance(value, int | float | bool) or value is None else redact(str(value))
    if isinstance(value, dict):
        return {k: redact_value(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value("", v, depth + 1) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and extras."""

    _skip = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
        "message",
        "asctime",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in self._skip and not key.startswith("_"):
                entry[key] = redact_value(key, value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """Plain text lines (`MVIDARR_LOG_JSON=false`), redacted like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


MESSAGE_LIMIT = 2000
TRACEBACK_LIMIT = 4000
EXTRA_LIMIT = 200
MAX_EXTRAS = 16
DEFAULT_BUFFER_RECORDS = 2000


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return _cap(text, EXTRA_LIMIT)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One kept log record, already redacted and trimmed: a few hundred bytes at most."""

    id: int
    created: float
    levelno: int
    level: str
    logger: str
    message: str
    request_id: str | None
    exc: str | None
    extra: dict[str, str | int | float | bool | None] | None


class LogRing:
    """The most recent log records of this process, oldest dropped first."""

    def __init__(self, size: int = DEFAULT_BUFFER_RECORDS) -> None:
        self._lock = threading.Lock()  # records arrive from worker threads too
        self._entries: deque[LogEntry] = deque(maxlen=max(0, size))
        self._ids = itertools.count(1)

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def resize(self, size: int) -> None:
        with self._lock:
            self._entries = deque(self._entries, maxlen=max(0, size))

    def add(self, record: logging.LogRecord, skip: frozenset[str]) -> None:
        if not self.size:
            return
        message = _cap(redact(record.getMessage()), MESSAGE_LIMIT)
        request_id = record.__dict__.get("request_id") or _request_id.get()
        exc = None
        if record.exc_info:
            # The end of a traceback (the exception itself) says the most.
            text = redact(logging.Formatter().formatException(record.exc_info))
            exc = text if len(text) <= TRACEBACK_LIMIT else "…" + text[-(TRACEBACK_LIMIT - 1) :]
        extra: dict[str, str | int | float | bool | None] = {}
        for key, value in record.__dict__.items():
            if key in skip or key.startswith("_") or key == "request_id":
                continue
            if len(extra) >= MAX_EXTRAS:
                break
            extra[key] = _compact(redact_value(key, value))
        with self._lock:
            self._entries.append(
                LogEntry(
                    id=next(self._ids),
                    created=record.created,
                    levelno=record.levelno,
                    level=record.levelname.lower(),
                    logger=record.name,
                    message=message,
                    request_id=str(request_id) if request_id else None,
                    exc=exc,
                    extra=extra or None,
                )
            )

    def newest_first(self) -> Iterator[LogEntry]:
        """A snapshot of the kept records, newest first."""
        with self._lock:
            entries = list(self._entries)
        return reversed(entries)

    def select(self, accepts: Callable[[LogEntry], bool]) -> list[LogEntry]:
        """The kept records `accepts` takes, newest first."""
        return [entry for entry in self.newest_first() if accepts(entry)]


class RingHandler(logging.Handler):
    """Feeds every record that reaches the root logger into a `LogRing`."""

    def __init__(self, ring: LogRing) -> None:
        super().__init__()
        self.ring = ring

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.ring.add(record, JsonFormatter._skip)
        except Exception:  # a log record must never break the code that logs it
            self.handleError(record)


_ring = LogRing()


def log_ring() -> LogRing:
    """This process's ring of recent records (what `GET /system/logs` reads)."""
    return _ring


def configure_logging(
    level: str = "info", *, json_lines: bool = True, buffer_records: int = DEFAULT_BUFFER_RECORDS
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    if _ring.size != buffer_records:
        _ring.resize(buffer_records)
    root = logging.getLogger()
    root.handlers[:] = [handler, RingHandler(_ring)]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


class RequestIdMiddleware:
    """Accepts a well-formed `X-Request-ID` or makes one, exposes it to logs, echoes it back."""

    def __init__(self, app: ASGIApp, on_response: Callable[[Scope, int, float], None] | None = None) -> None:
        self.app = app
        self.on_response = on_response
        """Called with the scope, status and seconds taken once each HTTP request is answered (metrics):
        this middleware already times every request, so metrics need no layer of their own."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _VALID_ID.match(candidate):
                    request_id = candidate
                break
        if request_id is None:
            request_id = f"{_ID_PREFIX}{next(_id_counter):016x}"
        token = _request_id.set(request_id)
        # Kept on the scope too: the 500 handler runs outside this middleware's context.
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.on_response is not None and scope["type"] == "http":
                self.on_response(scope, status or 500, time.perf_counter() - started)
            if scope["type"] == "http" and access_log.isEnabledFor(logging.DEBUG):
                access_log.debug(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "request_id": request_id,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            _request_id.reset(token)
