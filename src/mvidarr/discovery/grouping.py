"""One video per song and version, from items that several sources list in their own spellings.

Discovery asks IMVDb, MusicBrainz, TheAudioDB and the artist's YouTube channel for the artist's
music videos. Each answers with its own titles ("Don't Stop Me Now", "Dont Stop Me Now (Official
Video)", "Don\u2019t Stop Me Now [HD]"). This module turns those items into discovered videos:

* every raw title goes through the title cleaner, which separates the song title from the kind
  (official, live, lyric, audio, performance, other) and the version ("explicit", "director's cut",
  "X remix", "live at Wembley");
* the *song key* is the folded title with punctuation, "&"/"and" and featured credits removed: the
  same song has the same key whatever its spelling; different versions of one song share it;
* items are grouped by (song key, kind, version key); two keys that differ only by a typo are merged
  when they are long enough and their numbers agree ("Song 2" never merges with "Song 3");
* the same YouTube video named by two sources is one video, whatever the titles say.

Pure functions, no I/O: the discovery job feeds provider results in and stores what comes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from mvidarr.kit.fuzzy import edit_distance
from mvidarr.kit.text import fold, identity_key
from mvidarr.library.titles import parse_title
from mvidarr.models import VideoKind

# A typo tolerated between two spellings of one song: at most one edit per this many characters
# (plus one), and only in keys at least this long ("Mirror" and "Mirrors" are two songs).
CHARS_PER_TYPO = 20
MIN_TYPO_KEY = 8

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
# Numbers tell songs apart: "Song 2" / "Song 3", "The Unforgiven II" / "III".
_NUMBERS = re.compile(r"\b(?:\d+|[ivx]{1,4})\b")
_PART = re.compile(r"\b(?:pt|part)\b\.?\s*", re.IGNORECASE)

# Version spellings that mean the same cut of a video.
_VERSION_SYNONYMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:explicit|uncensored|dirty)(?: version| video| cut)?$"), "explicit"),
    (re.compile(r"^(?:clean|censored|edited)(?: version| video| edit)?$"), "clean"),
    (re.compile(r"^directors? ?s? cut$|^director s cut$"), "director's cut"),
    (re.compile(r"^(?:alternate|alternative|alt)(?: version| video| cut)?$"), "alternate"),
    (re.compile(r"^(?:extended)(?: version| cut| video)?$"), "extended"),
    (re.compile(r"^(?:short|radio|single)(?: version| edit| cut)?$"), "short"),
    (re.compile(r"^(?:original)(?: version| video)?$"), ""),
)


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One music video as one source lists it."""

    source: str  # "imvdb", "musicbrainz", "theaudiodb", "youtube", ...
    source_id: str
    title: str
    artist: str | None = None
    year: int | None = None
    release_date: date | None = None
    duration_s: float | None = None
    youtube_id: str | None = None
    url: str | None = None
    kind: VideoKind | None = None  # when the source says it; else the title cleaner decides
    version: str | None = None  # when the source says it
    thumbnail_url: str | None = None


@dataclass(slots=True)
class DiscoveredVideo:
    """A song in one kind and version, with every source that lists it."""

    title: str
    song_key: str
    kind: VideoKind
    version: str
    version_key: str
    items: list[SourceItem] = field(default_factory=list)
    featured: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.song_key, self.kind.value, self.version_key)

    @property
    def youtube_ids(self) -> list[str]:
        return list(dict.fromkeys(i.youtube_id for i in self.items if i.youtube_id))

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(i.source for i in self.items))

    @property
    def year(self) -> int | None:
        years = [i.year or (i.release_date.year if i.release_date else None) for i in self.items]
        known = [y for y in years if y]
        return min(known) if known else None

    @property
    def release_date(self) -> date | None:
        dates = [i.release_date for i in self.items if i.release_date]
        return min(dates) if dates else None

    @property
    def duration_s(self) -> float | None:
        durations = sorted(i.duration_s for i in self.items if i.duration_s)
        return durations[len(durations) // 2] if durations else None

    def source_id(self, source: str) -> str | None:
        return next((i.source_id for i in self.items if i.source == source), None)


def song_key(title: str) -> str:
    """'Don\u2019t Stop Me Now' and 'Dont stop me now!' -> 'dont stop me now'; 'Part II' kept."""
    text = fold(_APOSTROPHES.sub("", title))
    text = text.replace("&", " and ")
    text = _PART.sub("part ", text)
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


def version_key(version: str) -> str:
    """The canonical name of a version: 'Uncensored Version' -> 'explicit', 'Directors Cut' -> "director's cut"."""
    parts = [p.strip() for p in version.split(";") if p.strip()]
    keys = []
    for part in parts:
        text = " ".join(_PUNCTUATION.sub(" ", fold(_APOSTROPHES.sub("", part))).split())
        for pattern, canonical in _VERSION_SYNONYMS:
            if pattern.match(text):
                text = canonical
                break
        if text:
            keys.append(text)
    return "; ".join(sorted(dict.fromkeys(keys)))


def _same_song(a: str, b: str) -> bool:
    if a == b:
        return True
    if _NUMBERS.findall(a) != _NUMBERS.findall(b):
        return False
    shorter = min(len(a), len(b))
    if shorter < MIN_TYPO_KEY:
        return False
    return edit_distance(a, b) <= 1 + shorter // CHARS_PER_TYPO


def _describe(item: SourceItem, artist: str) -> DiscoveredVideo:
    parsed = parse_title(item.title, artist=item.artist or artist)
    kind = item.kind or parsed.kind
    version = item.version if item.version is not None else parsed.version
    return DiscoveredVideo(
        title=parsed.title,
        song_key=song_key(parsed.title),
        kind=kind,
        version=version,
        version_key=version_key(version),
        items=[item],
        featured=list(parsed.featured),
    )


def _absorb(into: DiscoveredVideo, other: DiscoveredVideo) -> None:
    into.items.extend(other.items)
    for name in other.featured:
        if identity_key(name) not in {identity_key(f) for f in into.featured}:
            into.featured.append(name)


def group_items(artist: str, items: Iterable[SourceItem]) -> list[DiscoveredVideo]:
    """Merge items into one video per (song, kind, version); order follows first appearance.

    Items about another artist's song (a source's answer for a namesake, or a channel's upload
    of someone else's video) are not filtered here; see `filters`.
    """
    videos: list[DiscoveredVideo] = []
    by_youtube: dict[str, DiscoveredVideo] = {}
    for item in items:
        found = _describe(item, artist)
        if not found.song_key:
            continue
        target = by_youtube.get(item.youtube_id) if item.youtube_id else None
        if target is None:
            target = next(
                (
                    v
                    for v in videos
                    if v.kind is found.kind
                    and v.version_key == found.version_key
                    and _same_song(v.song_key, found.song_key)
                ),
                None,
            )
        if target is None:
            videos.append(found)
            target = found
        else:
            _absorb(target, found)
        if item.youtube_id:
            by_youtube.setdefault(item.youtube_id, target)
    return videos


def find_existing(found: DiscoveredVideo, existing: Sequence[tuple[int, str, str, str]]) -> int | None:
    """The id of a library video that is `found`, from (id, title, kind, version) rows of the artist."""
    for video_id, title, kind, version in existing:
        if kind != found.kind.value or version_key(version) != found.version_key:
            continue
        if _same_song(song_key(title), found.song_key):
            return video_id
    return None
