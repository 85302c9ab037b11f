"""Choosing a source: known sources first, then search results ranked, never blindly the first.

A search result is scored on title similarity (after the title cleaner), the artist in the title or
the channel (the artist's own channel, VEVO, the label), duration agreement, the kind of video and
the quality it offers. Each score carries its reasons, so the user can see why one was picked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit, urlunsplit

from mvidarr.kit.fuzzy import similarity
from mvidarr.kit.text import fold
from mvidarr.library.titles import parse_title

MIN_SCORE = 0.55
_YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com")
_YOUTUBE_PATH = re.compile(r"^/(?:shorts|embed|live|v)/([A-Za-z0-9_-]{11})")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_NOISE = re.compile(
    r"\s*(?:-\s*topic|vevo|official(?:\s+channel)?|tv|music|records?|recordings)\s*$", re.IGNORECASE
)


def youtube_id(url: str) -> str | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        candidate = parts.path.lstrip("/")[:11]
        return candidate if _YOUTUBE_ID.match(candidate) else None
    if host in _YOUTUBE_HOSTS or host.endswith(".youtube.com"):
        if parts.path == "/watch":
            value = (parse_qs(parts.query).get("v") or [""])[0]
            return value if _YOUTUBE_ID.match(value) else None
        match = _YOUTUBE_PATH.match(parts.path)
        return match.group(1) if match else None
    return None


def youtube_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def source_key(url: str) -> str:
    """One key per source however its URL is written: `youtube:<id>`, else the URL without fragment."""
    found = youtube_id(url)
    if found:
        return f"youtube:{found}"
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


@dataclass(slots=True)
class Candidate:
    url: str
    origin: str
    """override, youtube_id, source or search."""
    title: str | None = None
    channel: str | None = None
    duration_s: float | None = None
    height: int | None = None
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    rejected: bool = False

    @property
    def key(self) -> str:
        return source_key(self.url)

    def as_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "origin": self.origin,
            "title": self.title,
            "channel": self.channel,
            "duration_s": self.duration_s,
            "height": self.height,
            "score": self.score,
            "reasons": self.reasons,
            "rejected": self.rejected,
        }


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the library knows about the video being downloaded."""

    artist: str
    title: str
    kind: str = "official"
    duration_s: float | None = None
    label: str | None = None


def _similar(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return similarity(a, b)


def _channel_name(channel: str) -> str:
    name = fold(channel)
    for _ in range(2):
        name = _CHANNEL_NOISE.sub("", name).strip()
    return name


def score(wanted: Wanted, candidate: Candidate) -> Candidate:
    """Fill `score`, `reasons` and `rejected` of one search result."""
    parsed = parse_title(candidate.title or "", uploader=candidate.channel)
    title = _similar(fold(parsed.title), fold(wanted.title))
    artist = _similar(fold(parsed.artist or ""), fold(wanted.artist))
    channel = 0.0
    channel_note = ""
    if candidate.channel:
        name = _channel_name(candidate.channel)
        if _similar(name, fold(wanted.artist)) >= 0.9:
            channel, channel_note = 1.0, "the artist's own channel"
            if "vevo" in fold(candidate.channel):
                channel_note = "the artist's VEVO channel"
        elif wanted.label and _similar(name, fold(wanted.label)) >= 0.9:
            channel, channel_note = 0.8, "the label's channel"
    who = max(artist, channel)
    reasons = [f"title {title:.0%} similar", f"artist {who:.0%}" + (f" ({channel_note})" if channel_note else "")]
    parts = [(0.45, title), (0.3, who)]
    if wanted.duration_s and candidate.duration_s:
        gap = abs(wanted.duration_s - candidate.duration_s)
        agreement = 1.0 if gap <= 3 else max(0.0, 1.0 - (gap - 3) / 27)
        parts.append((0.15, agreement))
        reasons.append(f"duration {gap:.0f} s off")
    kind_match = 1.0 if parsed.kind == wanted.kind else 0.0
    parts.append((0.05, kind_match))
    if not kind_match:
        reasons.append(f"looks like a {parsed.kind} video, not {wanted.kind}")
    if candidate.height:
        parts.append((0.05, min(1.0, candidate.height / 1080)))
        reasons.append(f"offers {candidate.height}p")
    weight = sum(w for w, _ in parts)
    value = sum(w * v for w, v in parts) / weight
    if min(title, who) < 0.5:
        value = min(value, min(title, who))
    candidate.score = round(value, 4)
    candidate.rejected = value < MIN_SCORE
    if candidate.rejected:
        reasons.append(f"below the {MIN_SCORE:.0%} needed")
    candidate.reasons = reasons
    return candidate


def rank(wanted: Wanted, found: Iterable[Candidate]) -> list[Candidate]:
    """Search results best first (rejected ones last); ties keep the search's own order."""
    scored = [score(wanted, c) for c in found]
    return sorted(scored, key=lambda c: (c.rejected, -(c.score or 0.0)))


def unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    kept: list[Candidate] = []
    for candidate in candidates:
        if candidate.key not in seen:
            seen.add(candidate.key)
            kept.append(candidate)
    return kept
