from __future__ import annotations

from fastapi import APIRouter, status

from mvidarr.auth.dependencies import MANAGER, Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.organise import service
from mvidarr.organise.nfo_tasks import NFO_WRITE
from mvidarr.organise.schemas import NamingPreview, NamingPreviewRequest, NfoWriteParams, OrganizeRequest
from mvidarr.organise.tasks import ORGANIZE
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/library", tags=["library"])


@router.post(
    "/naming/preview",
    dependencies=[MANAGER],
    response_model=NamingPreview,
    summary="Preview a naming template",
    description="Renders a template (or the saved `library.naming_template`) for the given videos, or for "
    "sample videos with awkward names. An invalid template (unknown token, unbalanced brackets, absolute "
    "path, `..`) is a 422 whose message says what is wrong and at which character.",
    responses=error_responses(404, 422),
)
async def preview_naming(session: SessionDep, body: NamingPreviewRequest) -> NamingPreview:
    return await service.preview_naming(session, body.template, body.video_ids)


@router.post(
    "/organize",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Organise files",
    description="Starts a `library.organize` job for the given videos, artists or root folder, the videos "
    "matching `filter` (the video list's filters), or the whole library. With `dry_run` the job's result lists "
    "every planned move and conflict and nothing changes; otherwise files move (journaled, with their "
    "sidecars) to where the naming template says. A selection whose job parameters exceed 64 KiB is a 413: "
    "send a filter or a root folder instead of that many ids.",
    responses=error_responses(413, 422),
)
async def organize(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, body: OrganizeRequest
) -> JobPublic:
    await service.current_template(session)
    job, _created = await jobs.enqueue(
        session, events, ORGANIZE, body.model_dump(), created_by=manager.user_id, clock=clock
    )
    return jobs.public(job)


@router.post(
    "/nfo",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Write NFO files",
    description="Starts an `nfo.write` job writing Kodi/Jellyfin NFO files and artwork copies next to the "
    "files of the given videos and artists, or of the whole library.",
    responses=error_responses(422),
)
async def write_nfo(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, body: NfoWriteParams
) -> JobPublic:
    job, _created = await jobs.enqueue(session, events, NFO_WRITE, body, created_by=manager.user_id, clock=clock)
    return jobs.public(job)
