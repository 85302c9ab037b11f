"""Format choice from a quality profile, and what a source's format list says about upgrades."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mvidarr.models import QualityProfile
from mvidarr.quality.repository import RANKS
from mvidarr.quality.scoring import quality_label
from mvidarr.quality.service import HEIGHTS, ytdlp_format

MERGE_CONTAINERS = frozenset({"mp4", "mkv", "webm"})


@dataclass(frozen=True, slots=True)
class FormatChoice:
    expression: str
    merge_format: str


def top_height(profile: QualityProfile | None) -> int | None:
    if profile is None:
        return None
    heights = [HEIGHTS[label] for label in profile.allowed_labels if label in HEIGHTS]
    return max(heights) if heights else None


def choose_format(profile: QualityProfile | None, *, compatibility: bool) -> FormatChoice:
    """Best video up to the profile's top label plus best audio, merged.

    Compatibility mode asks for H.264 video and AAC audio in MP4 first (older TVs and browsers),
    then falls back to whatever is best, remuxed into MP4 when the codecs allow it.
    """
    if profile is None:
        base = "bestvideo+bestaudio/best"
        cap = ""
    else:
        base = ytdlp_format(profile)
        height = top_height(profile)
        cap = f"[height<=?{height}]" if height else ""
    if compatibility:
        picks = [
            f"bestvideo{cap}[vcodec^=avc1]+bestaudio[acodec^=mp4a]",
            f"best{cap}[vcodec^=avc1][acodec^=mp4a]",
            base,
        ]
        return FormatChoice(expression="/".join(picks), merge_format="mp4")
    container = profile.preferred_container if profile is not None else None
    merge = container if container in MERGE_CONTAINERS else "mp4/mkv"
    return FormatChoice(expression=base, merge_format=merge or "mp4/mkv")


def format_label(fmt: Mapping[str, Any]) -> str | None:
    """The quality label of one yt-dlp format (None for audio-only or unknown sizes)."""
    if fmt.get("vcodec") == "none":
        return None
    width, height = fmt.get("width"), fmt.get("height")
    if not height:
        return None
    return quality_label(int(width) if width else round(int(height) * 16 / 9), int(height))


def best_offered(formats: Iterable[Mapping[str, Any]], profile: QualityProfile | None) -> str | None:
    """The best label among the formats the profile would take (none above its top label)."""
    cap = top_height(profile)
    best: str | None = None
    for fmt in formats:
        label = format_label(fmt)
        if label is None:
            continue
        if cap is not None and int(fmt.get("height") or 0) > cap:
            continue  # the profile's format expression would never pick it
        if best is None or RANKS[label] > RANKS[best]:
            best = label
    return best


@dataclass(frozen=True, slots=True)
class UpgradeDecision:
    upgrade: bool
    best_available: str | None
    current: str | None
    reason: str


def decide_upgrade(current: str | None, offered: str | None, profile: QualityProfile | None) -> UpgradeDecision:
    """Download only when the best offered label beats the current file's (and the profile allows it)."""
    if profile is not None and not profile.upgrade_allowed:
        return UpgradeDecision(False, offered, current, f"profile {profile.name!r} does not allow upgrades")
    if offered is None:
        return UpgradeDecision(False, None, current, "the source offers no video format the profile accepts")
    if profile is not None and profile.allowed_labels and offered not in profile.allowed_labels:
        return UpgradeDecision(False, offered, current, f"{offered} is not among the profile's allowed labels")
    if current is None:
        return UpgradeDecision(True, offered, current, f"the current file has no quality label; {offered} is offered")
    if RANKS[offered] > RANKS.get(current, -1):
        return UpgradeDecision(True, offered, current, f"{offered} is offered, better than the current {current}")
    return UpgradeDecision(False, offered, current, f"no better version exists: best offered is {offered}")
