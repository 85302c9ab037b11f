"""Handing a finished, probed download to the organiser, then the thumbnail and the NFO.

The organiser (`mvidarr.organise`) owns where files go (naming template, root folder), how they
move (journaled, never overwriting) and what the NFO says; downloads only ever call it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artwork.service import video_thumbnail_folder
from mvidarr.jobs.context import JobContext
from mvidarr.media.probe import ProbeResult
from mvidarr.media.thumbnails import grab_thumbnail
from mvidarr.models import Artist, MediaFile, RootFolder, Video
from mvidarr.organise.nfo import write_file_nfo


@dataclass(frozen=True, slots=True)
class Placed:
    media_file_id: int | None
    path: Path
    relative_path: str
    size: int


async def library_root(session: AsyncSession, artist: Artist) -> Path | None:
    """The root folder the artist's files go to (theirs, else the first), for the disk-space guard."""
    root_id = artist.root_folder_id
    stmt = select(RootFolder.path).order_by(RootFolder.id).limit(1)
    if root_id is not None:
        stmt = select(RootFolder.path).where(RootFolder.id == root_id)
    path = await session.scalar(stmt)
    return Path(path) if path else None


async def place(
    ctx: JobContext,
    *,
    video_id: int,
    source: Path,
    sidecars: list[Path],
    probe: ProbeResult,
    replace: bool,
) -> Placed:
    """Move the file into the library through the organiser and record what probing found on its row.

    With `replace` (an upgrade) the video's current file goes to the trash first, so the new file
    takes the template's name rather than `<name> (2)`; if placing then fails, the old file is
    restored from the trash before the error goes on.
    """
    from mvidarr.organise.placement import place_file

    trashed = await _trash_current(ctx, video_id) if replace else []
    try:
        placed = await place_file(ctx.session, video_id, source, sidecars=sidecars, job_id=ctx.job_id)
    except BaseException:
        await asyncio.shield(_restore(ctx, trashed))
        raise
    values: dict[str, Any] = {**probe.as_columns(), "analysed_at": ctx.now()}
    if replace:
        values["is_current"] = True
    async with ctx.session() as session:
        await session.execute(update(MediaFile).where(MediaFile.id == placed.media_file_id).values(**values))
        await session.commit()
    size = (await ctx.to_thread(placed.path.stat)).st_size
    return Placed(media_file_id=placed.media_file_id, path=placed.path, relative_path=placed.relative_path, size=size)


async def _trash_current(ctx: JobContext, video_id: int) -> list[int]:
    from mvidarr.trash.service import trash_files

    async with ctx.session() as session:
        old = await session.scalar(
            select(MediaFile.id).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True))
        )
        if old is None:
            return []
        # trash_files commits its journal first; the old row is gone once it returns.
        entries = await trash_files(session, file_ids=[old], reason="replaced by a better download", user_id=None)
        await session.commit()
    await ctx.log("info", f"the previous file (media file {old}) went to the trash")
    return [entry.id for entry in entries]


async def _restore(ctx: JobContext, entry_ids: list[int]) -> None:
    """Put the replaced file back when the new one could not be placed (best effort, logged)."""
    from mvidarr.trash.service import restore

    for entry_id in entry_ids:
        try:
            async with ctx.session() as session:
                await restore(session, ctx.events, ctx.clock, entry_id, None)
                await session.commit()
            await ctx.log("warning", f"placing the upgrade failed; trash entry {entry_id} was restored")
        except Exception as exc:  # the file stays in the trash, where the user can restore it
            await ctx.log("error", f"restoring trash entry {entry_id} failed: {type(exc).__name__}: {exc}")


async def after_placement(
    ctx: JobContext, video_id: int, placed: Placed, probe: ProbeResult, source_thumbnail: Path | None
) -> None:
    """Grab a thumbnail, then write the NFO by organise's one builder (the same document an NFO
    refresh writes); neither failing fails the download."""
    await _grab_thumbnail(ctx, ctx.data_dir, video_id, placed, probe)
    if placed.media_file_id is None:
        return
    try:
        async with ctx.reader() as session:
            await write_file_nfo(session, placed.media_file_id, data_dir=ctx.data_dir, thumbnail=source_thumbnail)
    except OSError as exc:  # the video is in the library; a missing NFO is a warning
        await ctx.log("warning", f"writing the NFO failed: {exc}")


async def _grab_thumbnail(
    ctx: JobContext, data_dir: Path | None, video_id: int, placed: Placed, probe: ProbeResult
) -> None:
    if data_dir is None:
        return
    folder = video_thumbnail_folder(data_dir, video_id)
    try:
        made = await ctx.to_process(grab_thumbnail, str(placed.path), str(folder), probe.duration_s)
    except Exception as exc:  # no thumbnail is not a failed download
        await ctx.log("warning", f"thumbnail: {type(exc).__name__}: {exc}")
        return
    if made is not None:
        async with ctx.session() as session:
            await session.execute(
                update(Video)
                .where(Video.id == video_id)
                .values(thumbnail_path=folder.relative_to(data_dir).as_posix(), artwork_source="download")
            )
            await session.commit()
