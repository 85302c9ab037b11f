"""Finding the stored thumbnail of a video, or the image of an artist, for a size and format."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import NotFound
from mvidarr.media.thumbnails import FORMATS, ThumbnailSize, thumbnail_path
from mvidarr.models import Artist, Video

THUMBNAILS_DIR = "thumbnails"


def video_thumbnail_folder(data_dir: Path, video_id: int) -> Path:
    """Where a video's thumbnails are written (relative path stored on the video)."""
    return data_dir / THUMBNAILS_DIR / "videos" / str(video_id)


@dataclass(frozen=True, slots=True)
class Image:
    path: Path
    media_type: str
    etag: str


def pick_format(accept: str | None) -> str:
    """WebP when the client says it takes it, else JPEG."""
    return "webp" if accept and "image/webp" in accept else "jpeg"


def _stat_image(folder: Path, size: ThumbnailSize, fmt: str) -> Image | None:
    path = thumbnail_path(folder, size, fmt)
    try:
        stat = path.stat()
    except OSError:
        return None
    return Image(path, FORMATS[fmt][1], f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"')


def _inside(data_dir: Path, relative: str) -> Path | None:
    base = data_dir.resolve()
    folder = (base / relative).resolve()
    return folder if folder.is_relative_to(base) else None


async def video_thumbnail(session: AsyncSession, data_dir: Path, video_id: int, size: ThumbnailSize, fmt: str) -> Image:
    row = (await session.execute(select(Video.id, Video.thumbnail_path).where(Video.id == video_id))).first()
    if row is None:
        raise NotFound(f"video {video_id} does not exist")
    folder = _inside(data_dir, row.thumbnail_path) if row.thumbnail_path else None
    image = await asyncio.to_thread(_stat_image, folder, size, fmt) if folder else None
    if image is None:
        raise NotFound(f"video {video_id} has no thumbnail yet")
    return image


async def artist_image(session: AsyncSession, data_dir: Path, artist_id: int, size: ThumbnailSize, fmt: str) -> Image:
    """The artist's own image, else the thumbnail of one of its videos (most recent first)."""
    artist = (await session.execute(select(Artist.id, Artist.thumbnail_path).where(Artist.id == artist_id))).first()
    if artist is None:
        raise NotFound(f"artist {artist_id} does not exist")
    folders = [artist.thumbnail_path] if artist.thumbnail_path else []
    folders += list(
        (
            await session.execute(
                select(Video.thumbnail_path)
                .where(Video.artist_id == artist_id, Video.thumbnail_path.is_not(None))
                .order_by(Video.created_at.desc(), Video.id.desc())
                .limit(5)
            )
        ).scalars()
    )
    for relative in folders:
        folder = _inside(data_dir, relative)
        image = await asyncio.to_thread(_stat_image, folder, size, fmt) if folder else None
        if image is not None:
            return image
    raise NotFound(f"artist {artist_id} has no image yet")
