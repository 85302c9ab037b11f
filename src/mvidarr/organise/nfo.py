"""Writing Kodi/Jellyfin NFO files and the artwork copies they point at.

`<file name>.nfo` (a `<musicvideo>`) and `<file name>-thumb.jpg` sit next to each video file;
`artist.nfo`, `folder.jpg` and `fanart.jpg` sit in the artist's folder. Files are written atomically
(temp file + rename). `mvidarr.library.nfo` reads back everything written here.
"""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from mvidarr.organise.fileops import PART_PREFIX, atomic_write_bytes, make_dirs

# XML 1.0 allows neither most control characters nor lone surrogates; they are dropped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
HEADER = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True, slots=True)
class Streams:
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    hdr: str | None = None
    audio_codec: str | None = None
    audio_channels: int | None = None


@dataclass(frozen=True, slots=True)
class VideoNfo:
    title: str
    artists: list[str]
    album: str | None = None
    plot: str | None = None
    duration_s: float | None = None
    release_date: date | None = None
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    studio: str | None = None
    tags: list[str] = field(default_factory=list)
    imvdb_id: int | None = None
    youtube_id: str | None = None
    musicbrainz_id: str | None = None
    thumb: str | None = None
    date_added: datetime | None = None
    streams: Streams | None = None


@dataclass(frozen=True, slots=True)
class ArtistNfo:
    name: str
    sort_name: str | None = None
    musicbrainz_id: str | None = None
    genres: list[str] = field(default_factory=list)
    biography: str | None = None
    thumb: str | None = None
    fanart: str | None = None


def _clean(value: str) -> str:
    return _INVALID_XML.sub("", value)


def _add(parent: ET.Element, tag: str, value: object | None, **attrs: str) -> None:
    if value is None or value == "":
        return
    element = ET.SubElement(parent, tag, attrs)
    element.text = _clean(str(value))


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return HEADER + body + b"\n"


def _aspect(width: int | None, height: int | None) -> str | None:
    return f"{width / height:.3f}" if width and height else None


def video_nfo_xml(info: VideoNfo) -> bytes:
    """The `<musicvideo>` document for one video."""
    root = ET.Element("musicvideo")
    _add(root, "title", info.title)
    for artist in info.artists:
        _add(root, "artist", artist)
    _add(root, "album", info.album)
    _add(root, "plot", info.plot)
    if info.duration_s:
        _add(root, "runtime", max(1, round(info.duration_s / 60)))
    if info.release_date is not None:
        _add(root, "premiered", info.release_date.isoformat())
    year = info.year or (info.release_date.year if info.release_date else None)
    _add(root, "year", year)
    for genre in info.genres:
        _add(root, "genre", genre)
    for director in info.directors:
        _add(root, "director", director)
    _add(root, "studio", info.studio)
    for tag in info.tags:
        _add(root, "tag", tag)
    ids = [("imvdb", info.imvdb_id), ("youtube", info.youtube_id), ("musicbrainz", info.musicbrainz_id)]
    present = [(kind, value) for kind, value in ids if value not in (None, "")]
    for index, (kind, value) in enumerate(present):
        attrs = {"type": kind, "default": "true"} if index == 0 else {"type": kind}
        _add(root, "uniqueid", value, **attrs)
    if info.thumb:
        _add(root, "thumb", info.thumb, aspect="thumb")
    if info.date_added is not None:
        _add(root, "dateadded", info.date_added.strftime("%Y-%m-%d %H:%M:%S"))
    streams = info.streams
    if streams is not None:
        details = ET.SubElement(ET.SubElement(root, "fileinfo"), "streamdetails")
        if streams.video_codec or streams.width:
            video = ET.SubElement(details, "video")
            _add(video, "codec", streams.video_codec)
            _add(video, "aspect", _aspect(streams.width, streams.height))
            _add(video, "width", streams.width)
            _add(video, "height", streams.height)
            if streams.duration_s:
                _add(video, "durationinseconds", round(streams.duration_s))
            _add(video, "hdrtype", streams.hdr)
        if streams.audio_codec:
            audio = ET.SubElement(details, "audio")
            _add(audio, "codec", streams.audio_codec)
            _add(audio, "channels", streams.audio_channels)
    return _serialise(root)


def artist_nfo_xml(info: ArtistNfo) -> bytes:
    """The `<artist>` document for an artist's folder."""
    root = ET.Element("artist")
    _add(root, "name", info.name)
    _add(root, "sortname", info.sort_name)
    _add(root, "musicBrainzArtistID", info.musicbrainz_id)
    for genre in info.genres:
        _add(root, "genre", genre)
    _add(root, "biography", info.biography)
    if info.thumb:
        _add(root, "thumb", info.thumb, aspect="thumb")
    if info.fanart:
        _add(ET.SubElement(root, "fanart"), "thumb", info.fanart)
    return _serialise(root)


def video_sidecar_names(video_path: Path) -> tuple[Path, Path]:
    """(`<stem>.nfo`, `<stem>-thumb.jpg`) beside a video file."""
    stem = video_path.with_suffix("")
    return stem.with_name(stem.name + ".nfo"), stem.with_name(stem.name + "-thumb.jpg")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly `data`; True when written (blocking)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def copy_image_if_changed(source: Path | None, target: Path) -> bool:
    """Copy an image next to the media (atomically) when it is missing or differs; True when copied."""
    if source is None or not source.is_file():
        return False
    try:
        s, t = source.stat(), target.stat()
        if s.st_size == t.st_size and int(s.st_mtime) == int(t.st_mtime):
            return False
    except OSError:
        pass
    make_dirs(target.parent)
    tmp = target.with_name(f"{PART_PREFIX}{os.getpid()}-{target.name}")
    try:
        shutil.copy2(source, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True
