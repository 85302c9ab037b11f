"""Deciding which artist and video a file is, from (in this order) its NFO, its tags, its path.

Pure functions: the scan reads NFO files and probes tags, then asks `match_file`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from mvidarr.kit.text import fold, nfc
from mvidarr.library.titles import parse_title
from mvidarr.models import VideoKind
from mvidarr.organise.nfo_read import NfoInfo

# Folders that group files without naming an artist: skipped when looking for the artist folder.
GENERIC_FOLDERS = frozenset(
    {
        "music videos",
        "musicvideos",
        "music video",
        "videos",
        "video",
        "clips",
        "mv",
        "mvs",
        "misc",
        "unsorted",
        "new",
        "downloads",
        "download",
        "incoming",
        "live",
        "concerts",
        "other",
        "others",
        "singles",
        "music",
        "media",
        "library",
        "collection",
        "favorites",
        "favourites",
        "hd",
        "sd",
        "4k",
        "1080p",
        "720p",
    }
)
_YEAR_FOLDER = re.compile(r"^(19[5-9]\d|20[0-3]\d)$")
_DECADE_FOLDER = re.compile(r"^(?:19|20)?\d0'?s$")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(19[5-9]\d|20[0-3]\d)(?!\d)")


class MatchSource:
    NFO = "nfo"
    TAGS = "tags"
    PATH = "path"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Match:
    artist: str
    title: str
    source: str
    kind: VideoKind = VideoKind.OFFICIAL
    version: str = ""
    featured: list[str] = field(default_factory=list)
    year: int | None = None
    album: str | None = None


_TRAILING_ARTICLE = re.compile(r"^(.+),\s*(The|A|An)$", re.IGNORECASE)


def natural_name(name: str) -> str:
    """'Cure, The' (a sorted folder name) -> 'The Cure'."""
    match = _TRAILING_ARTICLE.match(name.strip())
    return f"{match.group(2).capitalize()} {match.group(1).strip()}" if match else name.strip()


def folder_hints(folders: list[str]) -> tuple[str | None, int | None]:
    """(artist folder, year folder) from the folders above a file, nearest first."""
    artist: str | None = None
    year: int | None = None
    for name in reversed(folders):
        clean = nfc(name)
        key = fold(clean)
        if _YEAR_FOLDER.match(key):
            year = year or int(key)
            continue
        if not key or key in GENERIC_FOLDERS or _DECADE_FOLDER.match(key):
            continue
        artist = clean
        break
    return artist, year


def _year(text: str | None) -> int | None:
    match = _YEAR_IN_TEXT.search(text or "")
    return int(match.group(1)) if match else None


def _from(raw_title: str, artist: str, source: str, *, year: int | None = None, album: str | None = None) -> Match:
    parsed = parse_title(raw_title, artist=artist)
    return Match(
        artist=parsed.artist or artist,
        title=parsed.title,
        source=source,
        kind=parsed.kind,
        version=parsed.version,
        featured=parsed.featured,
        year=parsed.year or year,
        album=album,
    )


def match_file(relative_path: str, *, nfo: NfoInfo | None = None, tags: dict[str, str] | None = None) -> Match | None:
    """Artist and video for a file, or None when no artist can be found."""
    found = _match(relative_path, nfo, tags)
    return replace(found, artist=natural_name(found.artist)) if found is not None and found.artist else None


def _match(relative_path: str, nfo: NfoInfo | None, tags: dict[str, str] | None) -> Match | None:
    *folders, name = relative_path.split("/")
    stem = posixpath.splitext(name)[0]
    folder_artist, folder_year = folder_hints(folders)
    if nfo is not None and nfo.artists and nfo.title:
        found = _from(nfo.title, nfo.artists[0], MatchSource.NFO, year=nfo.year, album=nfo.album)
        extra = [a for a in nfo.artists[1:] if fold(a) not in {fold(f) for f in found.featured}]
        return replace(found, featured=[*found.featured, *extra], year=nfo.year or found.year)
    tags = tags or {}
    tag_artist, tag_title = tags.get("artist"), tags.get("title")
    tag_year = _year(tags.get("date"))
    if tag_artist and (tag_title or (nfo and nfo.title)):
        return _from(tag_title or (nfo.title if nfo else "") or stem, tag_artist, MatchSource.TAGS, year=tag_year)
    if tag_title:
        parsed = parse_title(tag_title)
        if parsed.artist:
            return _from(tag_title, parsed.artist, MatchSource.TAGS, year=tag_year)
    known = tag_artist or folder_artist
    parsed = parse_title(stem, artist=known, filename=True)
    if not parsed.artist:
        return None
    title = parsed.title
    if nfo is not None and nfo.title:
        title = parse_title(nfo.title, artist=parsed.artist).title
    return Match(
        artist=parsed.artist,
        title=title,
        source=MatchSource.TAGS if tag_artist and parsed.artist == tag_artist else MatchSource.PATH,
        kind=parsed.kind,
        version=parsed.version,
        featured=parsed.featured,
        year=parsed.year or (nfo.year if nfo else None) or tag_year or folder_year,
        album=nfo.album if nfo else None,
    )
