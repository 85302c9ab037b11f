"""Why a source refused a download, and what the user can do about it, in plain words.

The worker names the kind of a yt-dlp failure (`failures.classify`); this module says it to a person:
a reason ("YouTube asks to sign in to confirm you are not a bot") and a fix ("upload a cookies file
… or wait"). Two kinds are about the host, not the video: a rate limit and a bot check make every
download from that host wait (`hosts`), and the video waits with them instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

COOKIES_FIX = "upload a cookies file of a signed-in browser session (Settings -> Downloads -> Cookies for yt-dlp)"
PO_TOKEN_FIX = "set a PO token (setting downloads.youtube_po_token; see yt-dlp's PO Token Guide)"
HOST_WIDE = frozenset({"rate_limited", "bot_check"})
"""Kinds that make every download from the host wait, instead of failing the video."""

# Hosts one service answers under; they share one rate limit and one back-off.
_SAME_SERVICE = {
    "youtu.be": "youtube.com",
    "m.youtube.com": "youtube.com",
    "music.youtube.com": "youtube.com",
    "youtube-nocookie.com": "youtube.com",
    "player.vimeo.com": "vimeo.com",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: str
    reason: str
    fix: str | None


def source_host(url: str) -> str:
    """The host a source URL downloads from, as back-off and concurrency count it (`youtube.com`)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    return _SAME_SERVICE.get(host, host)[:255]


def explain(kind: str, message: str, host: str) -> Refusal:
    """A failure of `kind` (with yt-dlp's `message`) from `host`, said to the user with its fix."""
    detail = _first_sentence(message)
    if kind == "bot_check":
        return Refusal(
            kind,
            f"{host} asks to sign in to confirm this is not a bot ({detail})",
            f"{COOKIES_FIX}, or {PO_TOKEN_FIX}; meanwhile downloads from {host} wait and retry by themselves",
        )
    if kind == "rate_limited":
        return Refusal(
            kind,
            f"{host} is limiting how often we download ({detail})",
            f"nothing to do: downloads from {host} wait and retry by themselves; fewer at once "
            "(downloads.per_host_concurrency) makes it rarer",
        )
    if kind == "po_token":
        return Refusal(kind, f"{host} requires a proof-of-origin (PO) token for this video ({detail})", PO_TOKEN_FIX)
    if kind == "age":
        return Refusal(
            kind,
            f"the video is age-restricted on {host} ({detail})",
            f"{COOKIES_FIX} of an account that has confirmed its age",
        )
    if kind == "geo":
        return Refusal(
            kind,
            f"the video is not available in this server's country on {host} ({detail})",
            "pick another source for it, or run MVidarr behind a VPN or proxy in a country where it is available",
        )
    if kind == "private":
        return Refusal(
            kind,
            f"the video is private on {host}",
            f"pick another source, or {COOKIES_FIX} of an account allowed to see it",
        )
    if kind == "unavailable":
        return Refusal(kind, f"the video was removed or is unavailable on {host} ({detail})", "pick another source")
    return Refusal(kind, message, None)


def _first_sentence(message: str, limit: int = 300) -> str:
    """yt-dlp's message without its command-line advice ("Use --cookies-from-browser ...")."""
    text = message.split(" Use --cookies", 1)[0].split(". Also see", 1)[0].strip()
    if ": " in text and text.split(": ", 1)[0].startswith("[") is True:
        text = text.split(": ", 1)[1]
    text = text.removeprefix("[generic] ").strip()
    return text[:limit].rstrip(". ")
