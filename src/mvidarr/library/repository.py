"""Root folder queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import MediaFile, RootFolder, Video, VideoStatus


async def all_root_folders(session: AsyncSession) -> Sequence[RootFolder]:
    return (await session.execute(select(RootFolder).order_by(RootFolder.path))).scalars().all()


async def file_counts(session: AsyncSession) -> dict[int, int]:
    result = await session.execute(select(MediaFile.root_folder_id, func.count()).group_by(MediaFile.root_folder_id))
    return dict(result.all())


def _videos_in_root(root_id: int) -> Select[int | None]:
    return select(MediaFile.video_id).where(MediaFile.root_folder_id == root_id, MediaFile.video_id.is_not(None))


async def mark_missing_with_root(session: AsyncSession, root_id: int) -> int:
    """Videos whose current file is in this root folder and nowhere else become missing; how many."""
    elsewhere = (
        exists()
        .where(MediaFile.video_id == Video.id, MediaFile.is_current, MediaFile.root_folder_id != root_id)
        .correlate(Video)
    )
    result = await session.execute(
        update(Video)
        .where(Video.id.in_(_videos_in_root(root_id)), Video.status == VideoStatus.DOWNLOADED, ~elsewhere)
        .values(status=VideoStatus.MISSING)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_videos_in_root(session: AsyncSession, root_id: int) -> int:
    """Deletes the videos with a file in this root folder; how many."""
    result = await session.execute(
        delete(Video).where(Video.id.in_(_videos_in_root(root_id))).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
