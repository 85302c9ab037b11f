"""Handing a finished, probed download to the organiser, then the NFO and the thumbnail.

The organiser (`mvidarr.organise`) owns where files go (naming template, root folder) and how they
move (journaled, never overwriting); downloads only ever call it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artwork.service import video_thumbnail_folder
from mvidarr.jobs.context import JobContext
from mvidarr.media.probe import ProbeResult
from mvidarr.media.thumbnails import grab_thumbnail
from mvidarr.models import Artist, MediaFile, RootFolder, Video
from mvidarr.organise.nfo import (
    Streams,
    VideoNfo,
    copy_image_if_changed,
    video_nfo_xml,
    video_sidecar_names,
    write_if_changed,
)


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
    from mvidarr.organise.service import place_file

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
    """Write the NFO (the organiser's writer) and grab a thumbnail; neither failing fails the download."""
    await _write_nfo(ctx, video_id, placed, probe, source_thumbnail)
    folder = video_thumbnail_folder(ctx.data_dir, video_id)
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
                .values(thumbnail_path=folder.relative_to(ctx.data_dir).as_posix(), artwork_source="download")
            )
            await session.commit()


def _write_sidecars(video_path: Path, info: VideoNfo, thumbnail: Path | None) -> None:
    nfo_path, thumb_path = video_sidecar_names(video_path)
    if (
        thumbnail is not None
        and thumbnail.suffix.lower() in (".jpg", ".jpeg")
        and copy_image_if_changed(thumbnail, thumb_path)
    ):
        info = replace(info, thumb=thumb_path.name)
    write_if_changed(nfo_path, video_nfo_xml(info))


async def _write_nfo(
    ctx: JobContext, video_id: int, placed: Placed, probe: ProbeResult, thumbnail: Path | None
) -> None:
    """A Kodi/Jellyfin NFO (and the source's thumbnail) beside the placed file, by the organiser's writer."""
    async with ctx.reader() as session:
        row = (
            await session.execute(
                select(Video, Artist.name).join(Artist, Artist.id == Video.artist_id).where(Video.id == video_id)
            )
        ).first()
    if row is None:
        return
    video, artist_name = row
    info = VideoNfo(
        title=video.title,
        artists=[artist_name],
        album=video.album,
        plot=video.description,
        duration_s=probe.duration_s,
        release_date=video.release_date,
        year=video.year,
        directors=[str(d) for d in video.directors],
        studio=video.label,
        imvdb_id=video.imvdb_id,
        youtube_id=video.youtube_id,
        musicbrainz_id=video.musicbrainz_recording_id,
        date_added=ctx.now(),
        streams=Streams(
            video_codec=probe.video_codec,
            width=probe.width,
            height=probe.height,
            duration_s=probe.duration_s,
            hdr=probe.hdr,
            audio_codec=probe.audio_codec,
            audio_channels=probe.audio_channels,
        ),
    )
    try:
        await ctx.to_thread(_write_sidecars, placed.path, info, thumbnail)
    except OSError as exc:  # the video is in the library; a missing NFO is a warning
        await ctx.log("warning", f"writing the NFO failed: {exc}")
