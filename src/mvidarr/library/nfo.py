"""Reading Kodi `<musicvideo>` NFO files that sit next to video files, safely.

A file over `MAX_NFO_BYTES`, or one declaring a DTD or entities, is ignored: NFO files come
from anywhere, and entity expansion is how an XML file becomes a memory bomb.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

MAX_NFO_BYTES = 256 * 1024
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


@dataclass(frozen=True, slots=True)
class NfoInfo:
    title: str | None = None
    artists: list[str] = field(default_factory=list)
    album: str | None = None
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    plot: str | None = None


def _text(element: ET.Element | None, limit: int = 500) -> str | None:
    if element is None or element.text is None:
        return None
    value = " ".join(element.text.split())
    return value[:limit] or None


def parse_nfo(data: bytes) -> NfoInfo | None:
    """The musicvideo fields of an NFO document, or None when it is not one (or not safe to read)."""
    if len(data) > MAX_NFO_BYTES:
        return None
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return None
    end = data.lower().find(b"</musicvideo>")
    if end < 0:
        return None
    # Kodi allows a URL line after the XML; parse only the document itself.
    data = data[: end + len(b"</musicvideo>")]
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    if root.tag.lower() != "musicvideo":
        return None
    year = None
    for tag in ("year", "premiered", "aired", "releasedate"):
        match = _YEAR.search(_text(root.find(tag)) or "")
        if match:
            year = int(match.group(1))
            break
    names = [name for name in (_text(e, 255) for e in root.findall("artist")) if name]
    return NfoInfo(
        title=_text(root.find("title")),
        artists=names[:10],
        album=_text(root.find("album")),
        year=year,
        directors=[d for d in (_text(e, 255) for e in root.findall("director")) if d][:10],
        genres=[g for g in (_text(e, 100) for e in root.findall("genre")) if g][:10],
        plot=_text(root.find("plot"), 20_000),
    )


def nfo_path(video_path: str) -> str:
    return os.path.splitext(video_path)[0] + ".nfo"


def read_nfo(video_path: str) -> NfoInfo | None:
    """The NFO next to a video file (same name, `.nfo`), if there is a readable one. Blocking."""
    try:
        with open(nfo_path(video_path), "rb") as handle:
            data = handle.read(MAX_NFO_BYTES + 1)
    except OSError:
        return None
    return parse_nfo(data)
