"""Files a complete scan did not see: marked missing, their videos handed to another file or
marked missing too; and a file marked missing that is back where it was."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.jobs.context import JobContext
from mvidarr.library.scan_thumbnails import frame_grab_artwork
from mvidarr.models import MediaFile, Video, VideoStatus

# Files read at a time when looking for the ones a scan did not see.
MISSING_BATCH = 500
# Missing files named one by one in the job's log, per batch.
LOGGED_PER_BATCH = 50


async def restore(session: AsyncSession, row: Any) -> None:
    """A file marked missing is back where it was: current again unless another file took over."""
    current = False
    if row.video_id is not None:
        has_current = await session.scalar(
            select(MediaFile.id).where(MediaFile.video_id == row.video_id, MediaFile.is_current.is_(True)).limit(1)
        )
        current = has_current is None
        if current:
            await session.execute(
                update(Video)
                .where(Video.id == row.video_id, Video.status == VideoStatus.MISSING)
                .values(status=VideoStatus.DOWNLOADED)
            )
    await session.execute(update(MediaFile).where(MediaFile.id == row.id).values(missing_at=None, is_current=current))


async def mark_missing(ctx: JobContext, root_id: int, started: datetime, unlisted: list[str]) -> int:
    """Files of the root this complete walk (begun at `started`) did not see are missing; their
    videos too, unless another file takes over. Files under an `unlisted` folder are left alone.
    Returns how many were marked."""
    now = ctx.now()
    last_id = 0
    marked = 0
    while True:
        async with ctx.reader() as session:
            rows = (
                await session.execute(
                    select(MediaFile.id, MediaFile.relative_path, MediaFile.video_id, MediaFile.is_current)
                    .where(
                        MediaFile.root_folder_id == root_id,
                        MediaFile.missing_at.is_(None),
                        or_(MediaFile.seen_at.is_(None), MediaFile.seen_at < started),
                        MediaFile.id > last_id,
                    )
                    .order_by(MediaFile.id)
                    .limit(MISSING_BATCH)
                )
            ).all()
        if not rows:
            return marked
        last_id = rows[-1].id
        # A folder that could not be listed says nothing about the files in it.
        gone = [r for r in rows if not any(r.relative_path.startswith(prefix) for prefix in unlisted)]
        if not gone:
            continue
        orphaned = {r.video_id for r in gone if r.video_id is not None and r.is_current}
        async with ctx.session() as session:
            await session.execute(
                update(MediaFile).where(MediaFile.id.in_([r.id for r in gone])).values(missing_at=now, is_current=False)
            )
            for video_id in orphaned:
                await hand_over(session, video_id)
            await session.commit()
        marked += len(gone)
        for row in gone[:LOGGED_PER_BATCH]:
            await ctx.log("info", f"missing: {row.relative_path}")


async def hand_over(session: AsyncSession, video_id: int) -> None:
    """Make another present file of the video current (a renamed file), or mark the video missing."""
    other = await session.scalar(
        select(MediaFile.id)
        .where(MediaFile.video_id == video_id, MediaFile.missing_at.is_(None))
        .order_by(MediaFile.quality_score.desc().nulls_last(), MediaFile.id.desc())
        .limit(1)
    )
    if other is not None:
        await session.execute(update(MediaFile).where(MediaFile.id == other).values(is_current=True))
        await session.execute(update(Video).where(Video.id == video_id, frame_grab_artwork).values(thumbnail_path=None))
        return
    await session.execute(
        update(Video)
        .where(Video.id == video_id, Video.status == VideoStatus.DOWNLOADED)
        .values(status=VideoStatus.MISSING)
    )
