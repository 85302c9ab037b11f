"""What kind of failure a yt-dlp error is, and how long its source asked to wait: the download
subprocess (`downloads.worker`) names the kind, `downloads.refusals` says it to a person.
"""

from __future__ import annotations

import re
import time
from typing import Any

POLICY_REFUSAL = "refused by the network policy"


def classify(message: str) -> str:
    """What kind of failure a yt-dlp error is: decides between failover, waiting, retry and giving up.

    The sentences are YouTube's (as yt-dlp passes them on) and yt-dlp's own; `mvidarr.downloads.refusals`
    turns each kind into a reason and a fix in plain words.
    """
    text = message.lower().replace("\u2019", "'")
    if POLICY_REFUSAL in text:
        return "refused"
    if "confirm you're not a bot" in text or "confirm you are not a bot" in text or "captcha" in text:
        return "bot_check"
    if re.search(r"http error 429|too many requests|rate-limited|rate limited|try again later", text):
        return "rate_limited"
    if "po token" in text and ("require" in text or "missing" in text):
        return "po_token"
    if "private video" in text or "this video is private" in text:
        return "private"
    if "available in your country" in text or "geo restrict" in text or "geo-restrict" in text:
        return "geo"
    if "not available from your location" in text:
        return "geo"
    if "sign in to confirm your age" in text or "age-restricted" in text or "inappropriate for some users" in text:
        return "age"
    if re.search(r"http error 5\d\d", text) or re.search(r"downloaded \d+ bytes, expected \d+ bytes", text):
        return "transient"
    # A connection dropped mid-file, as http.client words it once yt-dlp's own retries ran out.
    if re.search(r"\d+ bytes read, \d+ more expected", text):
        return "transient"
    if re.search(r"http error 4\d\d", text):
        return "unavailable"
    if "invalid data found when processing input" in text or "error opening input file" in text:
        return "not_media"
    if "unsupported url" in text or "no video formats found" in text or "requested format is not available" in text:
        return "not_media"
    if "video unavailable" in text or "has been removed" in text or "does not exist" in text:
        return "unavailable"
    transient = (
        "timed out",
        "timeout",
        "connection reset",
        "connection refused",
        "connection aborted",
        "remote end closed",
        "incompleteread",
        "incomplete read",
        "did not get any data",
        "unable to download",
        "temporary failure",
        "network is unreachable",
        "eof occurred",
        "content too short",
    )
    if any(word in text for word in transient):
        return "transient"
    return "error"


def retry_after(exc: BaseException) -> float | None:
    """The Retry-After of the HTTP answer behind a yt-dlp error (seconds, or an HTTP date), if any."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        response = getattr(error, "response", None)
        headers = getattr(response, "headers", None)
        value = headers.get("Retry-After") if headers is not None else None
        if value:
            return _seconds(str(value))
        exc_info = getattr(error, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            pending.append(exc_info[1])
        pending.extend((getattr(error, "cause", None), error.__cause__, error.__context__))
    return None


def _seconds(value: str) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
