"""NFO job types: `nfo.write` (given videos and artists, or all) and `nfo.refresh` (what changed lately).

`nfo.refresh` is the debounced rewrite: edits only mark rows as updated; the job (queued by
`request_nfo_refresh` with a delay, de-duplicated, and also on a schedule) rewrites the NFO files
of videos and artists updated since its last successful run, so a burst of edits costs one pass.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.models import Artist, ArtistGenre, Genre, Job, JobStatus, MediaFile, Video
from mvidarr.organise.nfo import (
    ArtistNfo,
    artist_nfo_xml,
    copy_image_if_changed,
    load_video_nfos,
    stored_image,
    write_if_changed,
    write_video_files,
)
from mvidarr.organise.schemas import NfoWriteParams
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

NFO_WRITE = "nfo.write"
NFO_REFRESH = "nfo.refresh"
PAGE = 500
DEBOUNCE_S = 30.0


class NfoRefreshParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _write_artist(folder: Path, info: ArtistNfo, thumb: Path | None, fanart: Path | None) -> int:
    written = 0
    if thumb is not None and copy_image_if_changed(thumb, folder / "folder.jpg"):
        written += 1
    if fanart is not None and copy_image_if_changed(fanart, folder / "fanart.jpg"):
        written += 1
    thumb_name = "folder.jpg" if (folder / "folder.jpg").is_file() else None
    fanart_name = "fanart.jpg" if (folder / "fanart.jpg").is_file() else None
    data = artist_nfo_xml(
        ArtistNfo(
            name=info.name,
            sort_name=info.sort_name,
            musicbrainz_id=info.musicbrainz_id,
            genres=info.genres,
            biography=info.biography,
            thumb=thumb_name,
            fanart=fanart_name,
        )
    )
    return written + write_if_changed(folder / "artist.nfo", data)


async def write_nfos(
    ctx: JobContext,
    *,
    video_ids: Sequence[int] | None = None,
    artist_ids: Sequence[int] | None = None,
    since: datetime | None = None,
) -> dict[str, int]:
    """Write the NFO files of the selected videos (their current files) and of their artists' folders."""
    data_dir = ctx.data_dir
    where: list[ColumnElement[bool]] = [
        MediaFile.is_current.is_(True),
        MediaFile.missing_at.is_(None),
    ]
    if video_ids is not None:
        where.append(Video.id.in_(list(video_ids)))
    if artist_ids is not None:
        where.append(Video.artist_id.in_(list(artist_ids)))
    if since is not None:
        where.append(or_(Video.updated_at >= since, Artist.updated_at >= since))
    counts = {"videos": 0, "artists": 0, "files_written": 0}
    artist_folders: dict[int, set[Path]] = defaultdict(set)
    last = 0
    while True:
        ctx.check_abort()
        async with ctx.reader() as session:
            targets = await load_video_nfos(session, where, after=last, limit=PAGE)
        for target in targets:
            try:
                counts["files_written"] += await asyncio.to_thread(
                    write_video_files, target.path, target.info, stored_image(data_dir, target.thumbnail_folder)
                )
                counts["videos"] += 1
            except OSError as exc:
                await ctx.log("warning", f"NFO for video {target.video_id} at {target.path}: {exc}")
            parts = target.relative_path.split("/")
            if len(parts) >= 2:
                artist_folders[target.artist_id].add(Path(target.root_path) / parts[0])
        if targets:
            last = targets[-1].video_id
            await ctx.progress(0.9 * min(1.0, counts["videos"] / max(1, counts["videos"] + PAGE)), "writing NFO files")
        if len(targets) < PAGE:
            break
    counts["files_written"] += await _write_artists(ctx, artist_folders, data_dir, counts)
    return counts


async def _write_artists(
    ctx: JobContext, folders: dict[int, set[Path]], data_dir: Path | None, counts: dict[str, int]
) -> int:
    written = 0
    ids = sorted(folders)
    for start in range(0, len(ids), PAGE):
        chunk = ids[start : start + PAGE]
        async with ctx.reader() as session:
            artists = (await session.execute(select(Artist).where(Artist.id.in_(chunk)))).scalars().all()
            genre_rows = await session.execute(
                select(ArtistGenre.artist_id, Genre.name)
                .join(Genre, Genre.id == ArtistGenre.genre_id)
                .where(ArtistGenre.artist_id.in_(chunk))
                .order_by(Genre.name)
            )
        genres: dict[int, list[str]] = defaultdict(list)
        for artist_id, name in genre_rows:
            genres[artist_id].append(name)
        for artist in artists:
            info = ArtistNfo(
                name=artist.name,
                sort_name=artist.sort_name,
                musicbrainz_id=artist.musicbrainz_id,
                genres=genres.get(artist.id, []),
                biography=artist.biography,
            )
            thumb, fanart = stored_image(data_dir, artist.thumbnail_path), stored_image(data_dir, artist.fanart_path)
            for folder in sorted(folders[artist.id]):
                try:
                    written += await asyncio.to_thread(_write_artist, folder, info, thumb, fanart)
                    counts["artists"] += 1
                except OSError as exc:
                    await ctx.log("warning", f"artist.nfo for artist {artist.id} in {folder}: {exc}")
    return written


@job_type(
    NFO_WRITE,
    NfoWriteParams,
    description="Writes Kodi/Jellyfin NFO files (and artwork copies) next to the files of the given videos "
    "and artists, or of the whole library.",
    priority=-2,
    max_attempts=2,
    timeout_s=6 * 3600,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def write_nfo(ctx: JobContext, params: NfoWriteParams) -> JobResult:
    counts = await write_nfos(ctx, video_ids=params.video_ids, artist_ids=params.artist_ids)
    return dict(counts)


@job_type(
    NFO_REFRESH,
    NfoRefreshParams,
    description="Rewrites the NFO files of videos and artists changed since its last run (when "
    "`library.write_nfo` is on); queued a little after edits, so a burst of edits costs one pass.",
    priority=-3,
    max_attempts=1,
    timeout_s=3600,
    dedupe=True,
    concurrency=1,
    required_role=Role.MANAGER,
)
async def refresh_nfo(ctx: JobContext, params: NfoRefreshParams) -> JobResult:
    async with ctx.reader() as session:
        if not await runtime_settings.get(session, setting_keys.WRITE_NFO):
            return {"skipped": "library.write_nfo is off"}
        since = await session.scalar(
            select(Job.started_at)
            .where(Job.type == NFO_REFRESH, Job.status == JobStatus.SUCCEEDED, Job.id != ctx.job_id)
            .order_by(Job.id.desc())
            .limit(1)
        )
    counts = await write_nfos(ctx, since=since)
    return {**counts, "since": since.isoformat() if since else None}


async def request_nfo_refresh(session: AsyncSession, events: EventHub, clock: Clock) -> None:
    """Ask for NFO files to be rewritten soon (call after a metadata edit, in the edit's transaction)."""
    if not await runtime_settings.get(session, setting_keys.WRITE_NFO):
        return
    await jobs.enqueue(
        session,
        events,
        NFO_REFRESH,
        NfoRefreshParams(),
        run_after=clock.now() + timedelta(seconds=DEBOUNCE_S),
        clock=clock,
    )


register_default(DefaultSchedule(name="Rewrite changed NFO files", job_type=NFO_REFRESH, interval_s=900))
