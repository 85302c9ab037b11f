"""What a trashed file's video was, kept on its trash entry, so a restore brings the video back under
its old id (links to /videos/<id> keep working) instead of a scan making a new one (decision 0054).

Kept: the video row and the media_file row, as JSON. Not kept: rows that hang off the video (tags,
genres, playlist entries, play history) and the artist row: an artist deleted since is found again by
name, or made anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Column, Date, DateTime, TypeDecorator, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import service as artists
from mvidarr.artists.schemas import ArtistCreate
from mvidarr.discovery.grouping import version_key
from mvidarr.errors import Conflict
from mvidarr.kit.text import identity_key
from mvidarr.models import Artist, MediaFile, TrashEntry, Video, VideoRemoval, VideoStatus

# Kept by database triggers (migration 0014) from the artist and the current file.
_DERIVED_VIDEO = frozenset({"artist_sort_key", "quality_score"})
# Where the file is comes from the restore (it may land on a free variant of its old path).
_PLACED_FILE = frozenset({"id", "video_id", "root_folder_id", "relative_path", "relative_path_bytes", "is_current"})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _columns(row: Any, skip: frozenset[str]) -> dict[str, Any]:
    return {c.key: _plain(getattr(row, c.key)) for c in row.__table__.columns if c.key not in skip}


def _typed(column: Column[Any], value: Any) -> Any:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(value, str) and isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def _values(model: Any, saved: dict[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    columns = {c.key: c for c in model.__table__.columns if c.key not in skip}
    return {key: _typed(columns[key], value) for key, value in saved.items() if key in columns}


async def take(session: AsyncSession, media_file_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The snapshots of these media files that belong to a video, by media file id."""
    if not media_file_ids:
        return {}
    rows = (
        await session.execute(
            select(MediaFile, Video).join(Video, Video.id == MediaFile.video_id).where(MediaFile.id.in_(media_file_ids))
        )
    ).all()
    return {
        media.id: {"video": _columns(video, _DERIVED_VIDEO), "file": _columns(media, _PLACED_FILE)}
        for media, video in rows
    }


async def _artist_id(session: AsyncSession, saved_id: int | None, name: str | None) -> int:
    if saved_id is not None and await session.get(Artist, saved_id) is not None:
        return saved_id
    if not name:
        raise Conflict("the video's artist is gone and its name was not kept")
    found = await session.scalar(
        select(Artist.id)
        .where(Artist.name_key == identity_key(name), Artist.disambiguation_key == "")
        .order_by(Artist.id)
        .limit(1)
    )
    if found is not None:
        return found
    try:
        data = ArtistCreate(name=name)
    except ValidationError:
        raise Conflict(f"cannot add the artist {name!r} again") from None
    return (await artists.create_artist(session, data)).id


async def revive(session: AsyncSession, entry: TrashEntry, relative_path: str, raw_path: bytes | None) -> int | None:
    """Insert the entry's video again under its id (unless it still exists) and its file at the path it
    was restored to; returns the video's id, or None when the entry kept no snapshot."""
    snapshot = entry.snapshot
    if not snapshot or entry.video_id is None:
        return None
    video_id = entry.video_id
    if await session.get(Video, video_id) is None:
        values = _values(Video, snapshot["video"], _DERIVED_VIDEO | {"id", "artist_id"})
        artist_id = await _artist_id(session, snapshot["video"].get("artist_id"), entry.artist_name)
        video = Video(id=video_id, artist_id=artist_id, **values)
        session.add(video)
        await session.flush()
        # Deleting it made discovery remember it as removed; restoring it takes that back.
        await session.execute(
            delete(VideoRemoval).where(
                VideoRemoval.artist_id == artist_id,
                VideoRemoval.title == video.title,
                VideoRemoval.version_key == version_key(video.version),
            )
        )
    has_current = await session.scalar(
        select(MediaFile.id).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True)).limit(1)
    )
    taken = await session.scalar(
        select(MediaFile.id).where(
            MediaFile.root_folder_id == entry.root_folder_id, MediaFile.relative_path == relative_path
        )
    )
    if taken is None and has_current is None:
        await session.execute(update(Video).where(Video.id == video_id).values(status=VideoStatus.DOWNLOADED))
    if taken is None:
        session.add(
            MediaFile(
                root_folder_id=entry.root_folder_id,
                relative_path=relative_path,
                relative_path_bytes=raw_path,
                video_id=video_id,
                is_current=has_current is None,
                **_values(MediaFile, snapshot["file"], _PLACED_FILE),
            )
        )
    await session.flush()
    return video_id
