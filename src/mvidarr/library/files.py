"""Library files: starting scans, the unmatched files list, and matching a file by hand."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import service as artists
from mvidarr.errors import REFERENCE, InvalidInput, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.pagination import Page, PageParams, SortColumn, sort_clauses
from mvidarr.kit.text import fold
from mvidarr.library.matching import MatchSource
from mvidarr.library.scanner import unreadable
from mvidarr.library.schemas import ManualMatch, MatchedFile, ScanRequest, UnmatchedFile
from mvidarr.library.service import RootFolderNotFound, require_root_folder
from mvidarr.library.tasks import SCAN, LibraryScanParams
from mvidarr.models import Artist, Job, MediaFile, RootFolder, Video, VideoStatus
from mvidarr.videos.service import derive_fields

_UNMATCHED_PAGE: TypeAdapter[Page[UnmatchedFile]] = TypeAdapter(Page[UnmatchedFile])
UNMATCHED_SORTABLE: dict[str, SortColumn] = {
    "path": MediaFile.relative_path,
    "size": MediaFile.size,
    "created_at": MediaFile.created_at,
}


async def start_scan(
    session: AsyncSession, events: EventHub, clock: Clock, body: ScanRequest, user_id: int | None
) -> Job:
    if body.root_folder_id is not None and await session.get(RootFolder, body.root_folder_id) is None:
        raise RootFolderNotFound(body.root_folder_id)
    await require_root_folder(session, "scan")
    params = LibraryScanParams(root_folder_id=body.root_folder_id)
    job, _created = await jobs.enqueue(session, events, SCAN, params, created_by=user_id, clock=clock)
    return job


def _reason(row: Any) -> str:
    if unreadable(row.probe_error, row.width):
        return f"unreadable: {row.probe_error}"
    return "no artist found in an NFO file, the file's tags or its path"


async def list_unmatched(
    session: AsyncSession, page: PageParams, *, root_folder_id: int | None, sort: str | None
) -> Page[UnmatchedFile]:
    where: list[ColumnElement[bool]] = [MediaFile.video_id.is_(None), MediaFile.missing_at.is_(None)]
    if root_folder_id is not None:
        where.append(MediaFile.root_folder_id == root_folder_id)
    order = sort_clauses(sort, UNMATCHED_SORTABLE, default="path", tiebreak=MediaFile.id)
    total = await session.scalar(select(func.count()).select_from(MediaFile).where(*where))
    rows = (
        await session.execute(
            select(
                MediaFile.id,
                MediaFile.root_folder_id,
                MediaFile.relative_path,
                MediaFile.size,
                MediaFile.container,
                MediaFile.duration_s,
                MediaFile.quality_label,
                MediaFile.probe_error,
                MediaFile.width,
                MediaFile.tags,
                MediaFile.created_at,
            )
            .where(*where)
            .order_by(*order)
            .offset(page.offset)
            .limit(page.page_size)
        )
    ).all()
    items = [{**row._asdict(), "reason": _reason(row)} for row in rows]
    return _UNMATCHED_PAGE.validate_python(
        {"items": items, "total": int(total or 0), "page": page.page, "page_size": page.page_size}
    )


async def _target_video(session: AsyncSession, body: ManualMatch, duration_s: float | None) -> Video:
    if body.video_id is not None:
        video = await session.get(Video, body.video_id)
        if video is None:
            raise InvalidInput(f"video {body.video_id} does not exist", loc=("body", "video_id"), type_=REFERENCE)
        return video
    assert body.title is not None
    if body.artist_id is not None:
        artist = await session.get(Artist, body.artist_id)
        if artist is None:
            raise InvalidInput(f"artist {body.artist_id} does not exist", loc=("body", "artist_id"), type_=REFERENCE)
    else:
        assert body.artist_name is not None
        artist, _created = await artists.find_or_create(session, body.artist_name)
        await session.flush()
    key = (fold(body.title), fold(body.version))
    for row in (await session.execute(select(Video).where(Video.artist_id == artist.id))).scalars():
        if (fold(row.title), fold(row.version)) == key:
            return row
    video = Video(
        artist_id=artist.id,
        title=body.title,
        version=body.version,
        kind=body.kind,
        status=VideoStatus.DOWNLOADED,
        year=body.year,
        duration_s=duration_s,
        featured_artists=body.featured_artists,
    )
    derive_fields(video)
    session.add(video)
    await session.flush()
    return video


async def match_manually(session: AsyncSession, file_id: int, body: ManualMatch) -> MatchedFile:
    """Link a file to a video (found or created); it becomes the video's file unless the video has one."""
    media = await session.get(MediaFile, file_id)
    if media is None:
        raise NotFound(f"media file {file_id} does not exist")
    previous = media.video_id if media.is_current else None
    video = await _target_video(session, body, media.duration_s)
    if previous is not None and previous != video.id:
        media.is_current = False
        await session.flush()
        await session.execute(
            update(Video)
            .where(Video.id == previous, Video.status == VideoStatus.DOWNLOADED)
            .values(status=VideoStatus.MISSING)
        )
    has_current = await session.scalar(
        select(MediaFile.id).where(
            MediaFile.video_id == video.id, MediaFile.is_current.is_(True), MediaFile.id != media.id
        )
    )
    media.video_id = video.id
    media.match_source = MatchSource.MANUAL
    media.is_current = has_current is None and media.missing_at is None
    if media.is_current:
        video.status = VideoStatus.DOWNLOADED
    await session.flush()
    return MatchedFile.model_validate(media)
