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
    premiered: str | None = None
    runtime_min: int | None = None
    studios: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    unique_ids: dict[str, str] = field(default_factory=dict)
    default_id: str | None = None
    """The `type` of the `<uniqueid default="true">`."""
    thumbs: list[str] = field(default_factory=list)
    date_added: str | None = None
    streams: StreamInfo | None = None


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """`<fileinfo><streamdetails>`: what Kodi shows about the file's streams."""

    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    aspect: str | None = None
    duration_s: int | None = None
    hdr: str | None = None
    audio_codec: str | None = None
    audio_channels: int | None = None


@dataclass(frozen=True, slots=True)
class ArtistNfoInfo:
    name: str | None = None
    sort_name: str | None = None
    musicbrainz_id: str | None = None
    genres: list[str] = field(default_factory=list)
    biography: str | None = None
    thumbs: list[str] = field(default_factory=list)
    fanart: list[str] = field(default_factory=list)


def _text(element: ET.Element | None, limit: int = 500) -> str | None:
    if element is None or element.text is None:
        return None
    value = " ".join(element.text.split())
    return value[:limit] or None


def _paragraphs(element: ET.Element | None, limit: int) -> str | None:
    """Long text (plot, biography): lines trimmed and kept, runs of spaces collapsed."""
    if element is None or element.text is None:
        return None
    lines = [" ".join(line.split()) for line in element.text.strip().splitlines()]
    return "\n".join(lines)[:limit] or None


def _int(element: ET.Element | None) -> int | None:
    value = _text(element, 20)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _all(root: ET.Element, path: str, limit: int = 255) -> list[str]:
    return [v for v in (_text(e, limit) for e in root.findall(path)) if v]


def _document(data: bytes, tag: str) -> ET.Element | None:
    if len(data) > MAX_NFO_BYTES:
        return None
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return None
    closing = f"</{tag}>".encode()
    end = data.lower().find(closing)
    if end < 0:
        return None
    # Kodi allows a URL line after the XML; parse only the document itself.
    data = data[: end + len(closing)]
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    return root if root.tag.lower() == tag else None


def _streams(root: ET.Element) -> StreamInfo | None:
    details = root.find("fileinfo/streamdetails")
    if details is None:
        return None
    video, audio = details.find("video"), details.find("audio")
    return StreamInfo(
        video_codec=_text(video.find("codec"), 32) if video is not None else None,
        width=_int(video.find("width")) if video is not None else None,
        height=_int(video.find("height")) if video is not None else None,
        aspect=_text(video.find("aspect"), 16) if video is not None else None,
        duration_s=_int(video.find("durationinseconds")) if video is not None else None,
        hdr=_text(video.find("hdrtype"), 16) if video is not None else None,
        audio_codec=_text(audio.find("codec"), 32) if audio is not None else None,
        audio_channels=_int(audio.find("channels")) if audio is not None else None,
    )


def parse_artist_nfo(data: bytes) -> ArtistNfoInfo | None:
    """The fields of a Kodi `artist.nfo`, or None when it is not one (or not safe to read)."""
    root = _document(data, "artist")
    if root is None:
        return None
    return ArtistNfoInfo(
        name=_text(root.find("name"), 255),
        sort_name=_text(root.find("sortname"), 255),
        musicbrainz_id=_text(root.find("musicBrainzArtistID"), 36),
        genres=_all(root, "genre", 100)[:20],
        biography=_paragraphs(root.find("biography"), 20_000),
        thumbs=_all(root, "thumb", 1024)[:10],
        fanart=_all(root, "fanart/thumb", 1024)[:10],
    )


def parse_nfo(data: bytes) -> NfoInfo | None:
    """The musicvideo fields of an NFO document, or None when it is not one (or not safe to read)."""
    root = _document(data, "musicvideo")
    if root is None:
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
        plot=_paragraphs(root.find("plot"), 20_000),
        premiered=_text(root.find("premiered"), 10),
        runtime_min=_int(root.find("runtime")),
        studios=_all(root, "studio")[:10],
        tags=_all(root, "tag", 100)[:20],
        unique_ids={
            kind: value
            for e in root.findall("uniqueid")
            if (kind := (e.get("type") or "").strip()[:32]) and (value := _text(e, 100))
        },
        default_id=next(
            (e.get("type") for e in root.findall("uniqueid") if (e.get("default") or "").lower() == "true"), None
        ),
        thumbs=_all(root, "thumb", 1024)[:10],
        date_added=_text(root.find("dateadded"), 19),
        streams=_streams(root),
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
