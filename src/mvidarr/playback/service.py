"""Finding the file behind a video for streaming, safely, and deciding how to send it."""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass
from email.utils import formatdate
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import NotFound
from mvidarr.library.walk import absolute_path
from mvidarr.models import MediaFile, RootFolder, Video

_CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "matroska": "video/x-matroska",
    "avi": "video/x-msvideo",
    "asf": "video/x-ms-wmv",
    "flv": "video/x-flv",
    "mpeg": "video/mpeg",
    "mpegts": "video/mp2t",
}
BROWSER_CONTAINERS = frozenset({"mp4", "webm"})
BROWSER_VIDEO = frozenset({"h264", "vp8", "vp9", "av1"})
BROWSER_AUDIO = frozenset({"aac", "mp3", "opus", "vorbis", "flac"})


def plays_in_browsers(container: str | None, video_codec: str | None, audio_codec: str | None) -> bool:
    """Whether browsers play the file as it is (else `mode=auto` remuxes it)."""
    return (
        container in BROWSER_CONTAINERS
        and video_codec in BROWSER_VIDEO
        and (audio_codec is None or audio_codec in BROWSER_AUDIO)
    )


class StreamMode(StrEnum):
    AUTO = "auto"
    DIRECT = "direct"
    REMUX = "remux"


@dataclass(frozen=True, slots=True)
class StreamSource:
    path: Path
    size: int
    mtime: float
    mtime_ns: int
    container: str | None
    video_codec: str | None
    audio_codec: str | None
    duration_s: float | None = None

    @property
    def etag(self) -> str:
        return f'"{self.size:x}-{self.mtime_ns:x}"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.mtime, usegmt=True)

    @property
    def content_type(self) -> str:
        if self.container in _CONTENT_TYPES:
            return _CONTENT_TYPES[self.container]
        guessed, _ = mimetypes.guess_type(self.path.name)
        return guessed or "application/octet-stream"

    @property
    def browser_playable(self) -> bool:
        return plays_in_browsers(self.container, self.video_codec, self.audio_codec)

    def needs_remux(self, mode: StreamMode) -> bool:
        if mode is StreamMode.AUTO:
            return not self.browser_playable
        return mode is StreamMode.REMUX


class NoFile(NotFound):
    def __init__(self, video_id: int, why: str) -> None:
        super().__init__(f"video {video_id} has no playable file: {why}")


def _locate(
    root_path: str, relative_path: str, relative_bytes: bytes | None, video_id: int
) -> tuple[Path, int, float, int]:
    """The file's resolved path and stat, refusing anything that resolves outside its root.

    A name that is not valid UTF-8 is reached through its stored bytes, not its displayed text.
    """
    root = Path(root_path).resolve()
    try:
        path = Path(absolute_path(str(root), relative_path, relative_bytes)).resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        raise NoFile(video_id, "the file is missing on disk") from None
    except OSError as exc:
        raise NoFile(video_id, f"the file cannot be read ({exc.strerror})") from None
    if not path.is_relative_to(root) or not path.is_file():
        raise NoFile(video_id, "the file is outside its root folder")
    stat = path.stat()
    return path, stat.st_size, stat.st_mtime, stat.st_mtime_ns


async def find_source(session: AsyncSession, video_id: int) -> StreamSource:
    """The current file of a video, from the database id alone (no client path is ever used)."""
    row = (
        await session.execute(
            select(
                Video.id,
                MediaFile.relative_path,
                MediaFile.relative_path_bytes,
                RootFolder.path,
                MediaFile.container,
                MediaFile.video_codec,
                MediaFile.audio_codec,
                MediaFile.duration_s,
            )
            .select_from(Video)
            .outerjoin(MediaFile, (MediaFile.video_id == Video.id) & MediaFile.is_current.is_(True))
            .outerjoin(RootFolder, RootFolder.id == MediaFile.root_folder_id)
            .where(Video.id == video_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"video {video_id} does not exist")
    _, relative_path, relative_bytes, root_path, container, video_codec, audio_codec, duration_s = row
    if relative_path is None or root_path is None:
        raise NoFile(video_id, "no file is linked to it")
    path, size, mtime, mtime_ns = await asyncio.to_thread(_locate, root_path, relative_path, relative_bytes, video_id)
    return StreamSource(path, size, mtime, mtime_ns, container, video_codec, audio_codec, duration_s)


def remux_command(ffmpeg: str, source: StreamSource, *, start_s: float = 0.0) -> list[str]:
    """ffmpeg arguments producing fragmented MP4 on stdout from `start_s` on (an input seek: fast, to
    the keyframe at or before it): copy what browsers play, convert the rest."""
    video = (
        ["-c:v", "copy"] if source.video_codec in {"h264"} else ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21"]
    )
    audio = ["-c:a", "copy"] if source.audio_codec in {"aac", "mp3"} else ["-c:a", "aac", "-b:a", "192k"]
    if source.audio_codec == "aac":
        # AAC from MPEG-TS (and FLV, AVI) carries ADTS headers, which MP4 does not take; a no-op otherwise.
        audio += ["-bsf:a", "aac_adtstoasc"]
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
        *(["-ss", f"{start_s:.3f}"] if start_s > 0 else []),
        "-i", str(source.path),
        "-map", "0:v:0", "-map", "0:a:0?", *video, *audio,
        "-movflags", "frag_keyframe+empty_moov+default_base_moof",
        "-f", "mp4", "pipe:1",
    ]  # fmt: skip
