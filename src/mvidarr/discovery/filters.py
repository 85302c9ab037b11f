"""Which discovered videos an artist wants: kinds, include/exclude words, minimum year and duration.

A filtered video is not dropped: discovery stores it as `ignored` with the reason, so the user can
see what was skipped and why, and change their mind.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mvidarr.discovery.grouping import DiscoveredVideo
from mvidarr.kit.text import fold
from mvidarr.models import VideoKind


class DiscoveryFilters(BaseModel):
    """What discovery accepts for an artist (the default comes from settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[VideoKind] = Field(
        default_factory=lambda: [VideoKind.OFFICIAL, VideoKind.LIVE, VideoKind.PERFORMANCE],
        description="Kinds to accept.",
    )
    include_words: list[str] = Field(
        default_factory=list, max_length=50, description="If any are given, a title must contain one of them."
    )
    exclude_words: list[str] = Field(
        default_factory=list, max_length=50, description="A title containing any of these is skipped."
    )
    min_year: int | None = Field(default=None, ge=1900, le=2100, description="Skip videos released before.")
    min_duration_s: float | None = Field(default=None, ge=0, le=36_000, description="Skip shorter videos.")

    @field_validator("include_words", "exclude_words")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        cleaned = [w.strip() for w in words if w.strip()]
        for word in cleaned:
            if len(word) > 100:
                raise ValueError("a filter word is at most 100 characters")
        return cleaned


def _contains(haystack: str, word: str) -> bool:
    needle = fold(word)
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def rejection(video: DiscoveredVideo, filters: DiscoveryFilters) -> str | None:
    """Why `filters` skip `video`, or None when it is wanted."""
    if video.kind not in filters.kinds:
        return f"kind {video.kind.value} is not accepted"
    text = fold(" ".join([video.title, video.version, *(i.title for i in video.items)]))
    for word in filters.exclude_words:
        if _contains(text, word):
            return f"title contains excluded word {word!r}"
    if filters.include_words and not any(_contains(text, w) for w in filters.include_words):
        return "title contains none of the required words"
    year = video.year
    if filters.min_year is not None and year is not None and year < filters.min_year:
        return f"released in {year}, before {filters.min_year}"
    duration = video.duration_s
    if filters.min_duration_s is not None and duration is not None and duration < filters.min_duration_s:
        return f"{duration:.0f} s long, shorter than {filters.min_duration_s:.0f} s"
    return None


def released_since(video: DiscoveredVideo, added: date) -> bool:
    """For `monitor_new` artists: whether a video came out on or after the day the artist was added.

    Unknown dates count as new (a source that omits the date must not hide a fresh release); a
    known year alone is compared by year.
    """
    if video.release_date is not None:
        return video.release_date >= added
    year = video.year
    return year is None or year >= added.year
