"""Writing Kodi/Jellyfin NFO files and the artwork copies they point at: the one NFO builder.

`<file name>.nfo` (a `<musicvideo>`) and `<file name>-thumb.jpg` sit next to each video file;
`artist.nfo`, `folder.jpg` and `fanart.jpg` sit in the artist's folder. Files are written atomically
(`mvidarr.kit.atomic`). `video_nfo` is the only place a video's NFO content is decided, and
`load_video_nfos` the only query feeding it: the NFO written after a download and the one the
`nfo.write`/`nfo.refresh` jobs write are the same document. `mvidarr.organise.nfo_read` reads back
everything written here.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.atomic import write_atomic
from mvidarr.library.walk import absolute_path
from mvidarr.media.thumbnails import ThumbnailSize, thumbnail_path
from mvidarr.models import Artist, Genre, MediaFile, RootFolder, Video, VideoGenre

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
    write_atomic(path, data)
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
    s = source.stat()
    # The copy keeps the source's times: the next run compares size and mtime to skip it.
    write_atomic(target, source.read_bytes(), times_ns=(s.st_atime_ns, s.st_mtime_ns))
    return True


# -- from the database ----------------------------------------------------------------------------


def video_nfo(video: Video, artist_name: str, media: MediaFile, genres: list[str]) -> VideoNfo:
    """A video's NFO content from its row, its artist's name, the file's row and its genres."""
    return VideoNfo(
        title=video.title,
        artists=[artist_name, *[str(a) for a in video.featured_artists]],
        album=video.album,
        plot=video.description,
        duration_s=media.duration_s or video.duration_s,
        release_date=video.release_date,
        year=video.year,
        genres=genres,
        directors=[str(d) for d in video.directors],
        studio=video.label,
        tags=[t for t in (video.kind, video.version) if t],
        imvdb_id=video.imvdb_id,
        youtube_id=video.youtube_id,
        musicbrainz_id=video.musicbrainz_recording_id,
        date_added=video.created_at,
        streams=Streams(
            video_codec=media.video_codec,
            width=media.width,
            height=media.height,
            duration_s=media.duration_s,
            hdr=media.hdr,
            audio_codec=media.audio_codec,
            audio_channels=media.audio_channels,
        ),
    )


@dataclass(frozen=True, slots=True)
class VideoNfoTarget:
    """One NFO to write: where the video file is and what its NFO says."""

    video_id: int
    artist_id: int
    path: Path
    root_path: str
    relative_path: str
    info: VideoNfo
    thumbnail_folder: str | None
    """The video's thumbnail under the data dir (`Video.thumbnail_path`), copied beside the file."""


async def _video_genres(session: AsyncSession, video_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(VideoGenre.video_id, Genre.name)
        .join(Genre, Genre.id == VideoGenre.genre_id)
        .where(VideoGenre.video_id.in_(list(video_ids)))
        .order_by(Genre.name)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for video_id, name in rows:
        out[video_id].append(name)
    return out


async def load_video_nfos(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], *, after: int = 0, limit: int | None = None
) -> list[VideoNfoTarget]:
    """The NFOs of the videos (with a file) matching `where`, by video id from `after`."""
    query = (
        select(Video, Artist.name, MediaFile, RootFolder.path)
        .join(Artist, Artist.id == Video.artist_id)
        .join(MediaFile, MediaFile.video_id == Video.id)
        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
        .where(*where, Video.id > after)
        .order_by(Video.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = (await session.execute(query)).all()
    genres = await _video_genres(session, [row[0].id for row in rows])
    return [
        VideoNfoTarget(
            video_id=video.id,
            artist_id=video.artist_id,
            path=Path(absolute_path(root_path, media.relative_path, media.relative_path_bytes)),
            root_path=root_path,
            relative_path=media.relative_path,
            info=video_nfo(video, artist_name, media, genres.get(video.id, [])),
            thumbnail_folder=video.thumbnail_path,
        )
        for video, artist_name, media, root_path in rows
    ]


def stored_image(data_dir: Path | None, folder: str | None) -> Path | None:
    """The large JPEG of a thumbnail folder kept under the data dir (or the file itself)."""
    if data_dir is None or not folder:
        return None
    base = data_dir.resolve()
    path = (base / folder).resolve()
    if not path.is_relative_to(base):
        return None
    return thumbnail_path(path, ThumbnailSize.LARGE, "jpeg") if path.is_dir() else path


def write_video_files(path: Path, info: VideoNfo, thumb_source: Path | None) -> int:
    """Write `<stem>.nfo` (and copy the thumbnail to `<stem>-thumb.jpg`) beside a video; files written (blocking)."""
    nfo_path, thumb_path = video_sidecar_names(path)
    written = 0
    if thumb_source is not None and thumb_source.is_file():
        written += copy_image_if_changed(thumb_source, thumb_path)
        info = replace(info, thumb=thumb_path.name)
    elif thumb_path.is_file():
        info = replace(info, thumb=thumb_path.name)
    written += write_if_changed(nfo_path, video_nfo_xml(info))
    return written


async def write_file_nfo(
    session: AsyncSession, media_file_id: int, *, data_dir: Path | None, thumbnail: Path | None = None
) -> int:
    """Write the NFO beside one media file (a fresh download) exactly as the NFO jobs would; files written.

    `thumbnail` (a JPEG the source gave) is copied beside the file; without one the video's stored
    thumbnail is. Blocking work runs in a thread; OSError goes to the caller.
    """
    targets = await load_video_nfos(session, [MediaFile.id == media_file_id])
    if not targets:
        return 0
    target = targets[0]
    if thumbnail is None or thumbnail.suffix.lower() not in (".jpg", ".jpeg"):
        thumbnail = stored_image(data_dir, target.thumbnail_folder)
    return await asyncio.to_thread(write_video_files, target.path, target.info, thumbnail)
