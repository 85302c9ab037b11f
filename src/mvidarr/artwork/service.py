"""Finding the stored thumbnail of a video, or the image of an artist, for a size and format; and
storing artwork a user uploads or names by URL."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artwork import images
from mvidarr.artwork.schemas import ArtworkFromUrl, ArtworkPublic, CropBox
from mvidarr.errors import CONTENT, Conflict, InvalidInput, NotFound, PayloadTooLarge
from mvidarr.media.thumbnails import FORMATS, ThumbnailSize, thumbnail_path
from mvidarr.models import Artist, Video
from mvidarr.network.fetch import FetchLimits, fetcher_from_settings

THUMBNAILS_DIR = "thumbnails"

USER_CHOSEN_SOURCES = ("upload", "url")
"""Artwork a user picked (uploaded or fetched from a URL): scans never replace it with a frame grab."""


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


async def artist_fanart(session: AsyncSession, data_dir: Path, artist_id: int, size: ThumbnailSize, fmt: str) -> Image:
    """The artist's fanart (a wide background picture from a provider); 404 when it has none."""
    artist = (await session.execute(select(Artist.id, Artist.fanart_path).where(Artist.id == artist_id))).first()
    if artist is None:
        raise NotFound(f"artist {artist_id} does not exist")
    folder = _inside(data_dir, artist.fanart_path) if artist.fanart_path else None
    image = await asyncio.to_thread(_stat_image, folder, size, fmt) if folder else None
    if image is None:
        raise NotFound(f"artist {artist_id} has no fanart")
    return image


async def artists_with_pictures(session: AsyncSession, artist_ids: Sequence[int]) -> set[int]:
    """Which of these artists `artist_image` has a picture for (their own, or a video's frame)."""
    if not artist_ids:
        return set()
    framed = select(Video.id).where(Video.artist_id == Artist.id, Video.thumbnail_path.is_not(None)).exists()
    stmt = select(Artist.id).where(Artist.id.in_(list(artist_ids)), Artist.thumbnail_path.is_not(None) | framed)
    return set((await session.execute(stmt)).scalars())


# Uploaded and fetched artwork: kept apart from scan-made thumbnails, one folder per picture.
ARTWORK_DIR = "artwork"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
OwnerKind = Literal["video", "artist"]


class ArtworkTooLarge(PayloadTooLarge):
    def __init__(self) -> None:
        super().__init__(f"the picture is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")


class ArtworkInvalid(InvalidInput):
    def __init__(self, detail: str, field: str = "file") -> None:
        super().__init__(detail, loc=("body", field), type_=CONTENT)


async def _owner(session: AsyncSession, kind: OwnerKind, owner_id: int) -> Video | Artist:
    owner: Video | Artist | None = (
        await session.get(Video, owner_id) if kind == "video" else await session.get(Artist, owner_id)
    )
    if owner is None:
        raise NotFound(f"{kind} {owner_id} does not exist")
    return owner


def _crop(box: CropBox | None) -> images.Crop | None:
    return images.Crop(box.x, box.y, box.width, box.height) if box is not None else None


async def _keep(
    session: AsyncSession,
    data_dir: Path,
    kind: OwnerKind,
    owner: Video | Artist,
    stored: images.StoredArtwork,
    source: str,
) -> ArtworkPublic:
    previous = owner.thumbnail_path
    relative = stored.folder.relative_to(data_dir).as_posix()
    owner.thumbnail_path = relative
    owner.artwork_source = source
    await session.flush()
    own_parent = f"{ARTWORK_DIR}/{kind}s/{owner.id}/"
    if previous and previous != relative and previous.startswith(own_parent):
        old = _inside(data_dir, previous)
        if old is not None:
            await asyncio.to_thread(shutil.rmtree, old, True)
    return ArtworkPublic(
        owner=kind, id=owner.id, source=source, width=stored.width, height=stored.height, thumbnail_path=relative
    )


def _parent(data_dir: Path, kind: OwnerKind, owner_id: int) -> Path:
    return data_dir / ARTWORK_DIR / f"{kind}s" / str(owner_id)


async def _store(data: bytes, parent: Path, box: CropBox | None, field: str) -> images.StoredArtwork:
    try:
        return await asyncio.to_thread(images.store, data, parent, _crop(box))
    except images.NotAnImage as exc:
        raise ArtworkInvalid(str(exc), field) from None


async def upload(
    session: AsyncSession, data_dir: Path, kind: OwnerKind, owner_id: int, data: bytes, box: CropBox | None
) -> ArtworkPublic:
    """Store an uploaded picture (decoded, cropped, re-encoded without metadata) as the owner's artwork."""
    owner = await _owner(session, kind, owner_id)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ArtworkTooLarge()
    if not data:
        raise ArtworkInvalid("the file is empty")
    stored = await _store(data, _parent(data_dir, kind, owner_id), box, "file")
    return await _keep(session, data_dir, kind, owner, stored, "upload")


async def from_url(
    session: AsyncSession, data_dir: Path, kind: OwnerKind, owner_id: int, body: ArtworkFromUrl
) -> ArtworkPublic:
    """Fetch a picture through the guarded fetcher and store it as the owner's artwork."""
    owner = await _owner(session, kind, owner_id)
    fetcher = await fetcher_from_settings(session, FetchLimits(max_bytes=MAX_UPLOAD_BYTES))
    fetched = await fetcher.fetch(body.url)
    stored = await _store(fetched.body, _parent(data_dir, kind, owner_id), body.crop, "url")
    return await _keep(session, data_dir, kind, owner, stored, "url")


async def recrop(session: AsyncSession, data_dir: Path, kind: OwnerKind, owner_id: int, box: CropBox) -> ArtworkPublic:
    """Crop the owner's uploaded or fetched artwork again, from the source kept beside it."""
    owner = await _owner(session, kind, owner_id)
    current = owner.thumbnail_path or ""
    folder = _inside(data_dir, current) if current.startswith(f"{ARTWORK_DIR}/") else None
    crop_box = _crop(box)
    if folder is None or crop_box is None:
        raise Conflict(f"{kind} {owner_id} has no uploaded or fetched artwork to crop")
    try:
        stored = await asyncio.to_thread(images.recrop, folder, _parent(data_dir, kind, owner_id), crop_box)
    except images.NotAnImage as exc:
        raise ArtworkInvalid(str(exc), "crop") from None
    return await _keep(session, data_dir, kind, owner, stored, owner.artwork_source or "upload")
