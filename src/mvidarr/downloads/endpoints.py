from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, UploadFile, status

from mvidarr.auth.dependencies import Admin, Member, Reader
from mvidarr.config import SettingsDep
from mvidarr.db import SessionDep
from mvidarr.downloads import cookies, service, update_tasks, updates
from mvidarr.downloads import settings as _settings  # noqa: F401  (defines the downloads.* settings)
from mvidarr.downloads import settings as keys
from mvidarr.downloads import tasks as _tasks  # noqa: F401  (registers the download job types)
from mvidarr.downloads.schemas import (
    BulkDownloadRequest,
    CookiesStatus,
    DownloadRequest,
    HistoryItem,
    QueueItem,
    YtDlpStatus,
    YtDlpUpdateRequest,
)
from mvidarr.errors import Conflict, Forbidden, error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.models.user import Role
from mvidarr.network.dependencies import PolicyDep
from mvidarr.settings import service as runtime_settings
from mvidarr.state import ClockDep, DataDirDep, EventsDep

router = APIRouter(tags=["downloads"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]


@router.post(
    "/videos/download",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Download many videos",
    description="Queues one parent job whose children download each video, chosen by `video_ids`, by a filter "
    "(default: wanted, monitored videos), or by `selection`, the video list's filters (at most 5000 videos). "
    "Users may send `video_ids` (as they may download each one); a filter or selection needs the manager role. "
    "With no root folder to put files in the answer is 409 (`no-root-folder`).",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def download_many(
    session: SessionDep, principal: Member, events: EventsDep, clock: ClockDep, body: BulkDownloadRequest
) -> JobPublic:
    if body.video_ids is None and not principal.role.at_least(Role.MANAGER):
        raise Forbidden("downloading by filter or selection needs the manager role; send video_ids")
    job = await service.queue_bulk(session, events, clock, body, created_by=principal.user_id)
    return JobPublic.model_validate(job)


@router.post(
    "/videos/{video_id}/download",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Download a video",
    description="Queues `video.download` (or answers the one already queued). The job chooses and ranks sources "
    "itself; `source_url` (managers) downloads that source instead, e.g. another of the job's ranked candidates. "
    "With no root folder to put the file in the answer is 409 (`no-root-folder`). A `source_url` the network "
    "policy refuses (a private, loopback or link-local host not listed in `network.allowed_private_hosts`) is 422. "
    "`rate_limit_kib_s` limits this download's bandwidth instead of the setting `downloads.rate_limit_kib_s`.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
async def download_video(
    session: SessionDep,
    principal: Member,
    events: EventsDep,
    clock: ClockDep,
    video_id: VideoIdPath,
    policy: PolicyDep,
    body: DownloadRequest | None = None,
) -> JobPublic:
    source_url = str(body.source_url) if body is not None and body.source_url is not None else None
    if source_url is not None and not principal.role.at_least(Role.MANAGER):
        raise Forbidden("choosing the source needs the manager role")
    job = await service.queue_download(
        session,
        events,
        clock,
        video_id,
        source_url=source_url,
        policy=policy,
        created_by=principal.user_id,
        rate_limit_kib_s=body.rate_limit_kib_s if body is not None else None,
    )
    return JobPublic.model_validate(job)


@router.get(
    "/activity/queue",
    response_model=Page[QueueItem],
    summary="Download queue",
    description="Active and queued downloads, running first, with their progress, speed, ETA and phase.",
    responses=error_responses(401, 403, 422),
)
async def download_queue(session: SessionDep, principal: Reader, page: PageDep) -> Page[QueueItem]:
    return await service.queue(session, page, with_detail=principal.role.at_least(Role.ADMIN))


@router.get(
    "/activity/history",
    response_model=Page[HistoryItem],
    summary="Download history",
    description="Finished download attempts, newest first: source, format, size, duration, speed and outcome.",
    responses=error_responses(401, 403, 422),
)
async def download_history(
    session: SessionDep,
    _principal: Reader,
    page: PageDep,
    video_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this video's downloads.")] = None,
    outcome: Annotated[
        Literal["succeeded", "failed", "cancelled"] | None, Query(description="Only this outcome.")
    ] = None,
) -> Page[HistoryItem]:
    return await service.history(session, page, video_id=video_id, outcome=outcome)


@router.get(
    "/downloads/cookies",
    response_model=CookiesStatus,
    summary="Cookies file status",
    description="Whether a cookies file for yt-dlp is stored (its content is never returned).",
    responses=error_responses(401, 403),
)
async def cookies_status(data_dir: DataDirDep, _admin: Admin) -> CookiesStatus:
    return await asyncio.to_thread(cookies.status, data_dir)


@router.put(
    "/downloads/cookies",
    response_model=CookiesStatus,
    summary="Upload the cookies file",
    description="Stores a Netscape-format cookies.txt for yt-dlp (mode 0600, replacing any earlier one). "
    "Multipart upload, field `file`, at most 1 MiB.",
    responses=error_responses(400, 401, 403, 413, 422),
)
async def upload_cookies(data_dir: DataDirDep, _admin: Admin, file: UploadFile) -> CookiesStatus:
    data = await file.read(cookies.MAX_BYTES + 1)
    return await asyncio.to_thread(cookies.store, data_dir, data)


@router.delete(
    "/downloads/cookies",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove the cookies file",
    description="Deletes the stored cookies file; downloads run without cookies again.",
    responses=error_responses(401, 403),
)
async def delete_cookies(data_dir: DataDirDep, _admin: Admin) -> None:
    await asyncio.to_thread(cookies.remove, data_dir)


@router.get(
    "/downloads/ytdlp",
    response_model=YtDlpStatus,
    summary="yt-dlp version and updates",
    description="The installed yt-dlp, the newest release the last daily check found on PyPI, whether it is "
    "outdated, the update mode (setting `downloads.ytdlp_updates`) and the last update job. Admins only.",
    responses=error_responses(401, 403),
)
async def ytdlp_status(settings: SettingsDep, session: SessionDep, _admin: Admin) -> YtDlpStatus:
    python = settings.ytdlp_python or updates.default_python()
    return await service.ytdlp_status(session, await updates.installed_version(python))


@router.post(
    "/downloads/ytdlp/check",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Check for a newer yt-dlp now",
    description="Starts `ytdlp.check` (the daily schedule's job). Admins only.",
    responses=error_responses(401, 403),
)
async def ytdlp_check(session: SessionDep, admin: Admin, events: EventsDep, clock: ClockDep) -> JobPublic:
    job, _created = await jobs.enqueue(
        session, events, update_tasks.CHECK, update_tasks.CheckParams(), created_by=admin.user_id, clock=clock
    )
    return jobs.public(job)


@router.post(
    "/downloads/ytdlp/update",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Update yt-dlp now",
    description="Starts `ytdlp.update`: pip installs the version (the newest on PyPI when none is sent) into the "
    "running environment, a fresh interpreter self-tests it (import, extract a loopback page), and the previous "
    "version is installed again when the test fails (the job then fails with the reason). Downloads started "
    "afterwards use the new version; no restart is needed. 409 while yt-dlp is pinned "
    "(`downloads.ytdlp_updates`). Admins only.",
    responses=error_responses(401, 403, 409, 422),
)
async def ytdlp_update(
    session: SessionDep, admin: Admin, events: EventsDep, clock: ClockDep, body: YtDlpUpdateRequest | None = None
) -> JobPublic:
    if await runtime_settings.get(session, keys.YTDLP_UPDATES) == "pinned":
        raise Conflict(f"yt-dlp is pinned (setting {keys.YTDLP_UPDATES}); change it to update")
    params = update_tasks.UpdateParams(version=body.version if body is not None else None)
    job, _created = await jobs.enqueue(
        session, events, update_tasks.UPDATE, params, created_by=admin.user_id, clock=clock
    )
    return jobs.public(job)
