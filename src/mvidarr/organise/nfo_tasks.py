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
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.library.walk import absolute_path
from mvidarr.media.thumbnails import ThumbnailSize, thumbnail_path
from mvidarr.models import Artist, ArtistGenre, Genre, Job, JobStatus, MediaFile, RootFolder, Video, VideoGenre
from mvidarr.organise.nfo import (
    ArtistNfo,
    Streams,
    VideoNfo,
    artist_nfo_xml,
    copy_image_if_changed,
    video_nfo_xml,
    video_sidecar_names,
    write_if_changed,
)
from mvidarr.organise.schemas import NfoWriteParams
from mvidarr.settings import service as runtime_settings

NFO_WRITE = "nfo.write"
NFO_REFRESH = "nfo.refresh"
PAGE = 500
DEBOUNCE_S = 30.0


class NfoRefreshParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _image(data_dir: Path | None, folder: str | None) -> Path | None:
    """The large JPEG of a thumbnail folder kept under the data dir (or the file itself)."""
    if data_dir is None or not folder:
        return None
    base = data_dir.resolve()
    path = (base / folder).resolve()
    if not path.is_relative_to(base):
        return None
    return thumbnail_path(path, ThumbnailSize.LARGE, "jpeg") if path.is_dir() else path


async def _genres(session: AsyncSession, video_ids: Sequence[int]) -> dict[int, list[str]]:
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


def _write_video(path: Path, info: VideoNfo, thumb_source: Path | None) -> int:
    nfo_path, thumb_path = video_sidecar_names(path)
    written = 0
    if thumb_source is not None and thumb_source.is_file():
        written += copy_image_if_changed(thumb_source, thumb_path)
        info = VideoNfo(**{**_as_dict(info), "thumb": thumb_path.name})
    elif thumb_path.is_file():
        info = VideoNfo(**{**_as_dict(info), "thumb": thumb_path.name})
    written += write_if_changed(nfo_path, video_nfo_xml(info))
    return written


def _as_dict(info: VideoNfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in info.__slots__}


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
            rows = (
                await session.execute(
                    select(Video, Artist.name, MediaFile, RootFolder.path)
                    .join(Artist, Artist.id == Video.artist_id)
                    .join(MediaFile, MediaFile.video_id == Video.id)
                    .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
                    .where(*where, Video.id > last)
                    .order_by(Video.id)
                    .limit(PAGE)
                )
            ).all()
            genres = await _genres(session, [row[0].id for row in rows])
        for video, artist_name, media, root_path in rows:
            path = Path(absolute_path(root_path, media.relative_path, media.relative_path_bytes))
            info = VideoNfo(
                title=video.title,
                artists=[artist_name, *[str(a) for a in video.featured_artists]],
                album=video.album,
                plot=video.description,
                duration_s=media.duration_s or video.duration_s,
                release_date=video.release_date,
                year=video.year,
                genres=genres.get(video.id, []),
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
            try:
                counts["files_written"] += await asyncio.to_thread(
                    _write_video, path, info, _image(data_dir, video.thumbnail_path)
                )
                counts["videos"] += 1
            except OSError as exc:
                await ctx.log("warning", f"NFO for video {video.id} at {path}: {exc}")
            parts = media.relative_path.split("/")
            if len(parts) >= 2:
                artist_folders[video.artist_id].add(Path(root_path) / parts[0])
        if rows:
            last = rows[-1][0].id
            await ctx.progress(0.9 * min(1.0, counts["videos"] / max(1, counts["videos"] + PAGE)), "writing NFO files")
        if len(rows) < PAGE:
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
            thumb, fanart = _image(data_dir, artist.thumbnail_path), _image(data_dir, artist.fanart_path)
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
        if not bool(await runtime_settings.get_value(session, "library.write_nfo")):
            return {"skipped": "library.write_nfo is off"}
        since = await session.scalar(
            select(Job.started_at)
            .where(Job.type == NFO_REFRESH, Job.status == JobStatus.SUCCEEDED, Job.id != ctx.job_id)
            .order_by(Job.id.desc())
            .limit(1)
        )
    counts = await write_nfos(ctx, since=since)
    return {**counts, "since": since.isoformat() if since else None}


async def request_nfo_refresh(session: AsyncSession, hub: EventHub, clock: Clock) -> None:
    """Ask for NFO files to be rewritten soon (call after a metadata edit, in the edit's transaction)."""
    if not bool(await runtime_settings.get_value(session, "library.write_nfo")):
        return
    await jobs.enqueue(
        session,
        hub,
        NFO_REFRESH,
        NfoRefreshParams(),
        run_after=clock.now() + timedelta(seconds=DEBOUNCE_S),
        clock=clock,
    )


register_default(DefaultSchedule(name="Rewrite changed NFO files", job_type=NFO_REFRESH, interval_s=900))
