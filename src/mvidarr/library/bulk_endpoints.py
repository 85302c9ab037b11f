from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from mvidarr.auth.dependencies import Manager, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.library import bulk, bulk_delete
from mvidarr.library.bulk_schemas import (
    ArtistBulkEdit,
    BulkDeleteResult,
    BulkEditResult,
    VideoBulkDelete,
    VideoBulkEdit,
)
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(tags=["library"])
_RESPONSES = {
    202: {"model": BulkEditResult, "description": "Over 500 rows: a `library.bulk_edit` job applies the edit."},
    **error_responses(400, 422),
}
_DESCRIPTION = (
    "Selects rows by `ids` or by `filter` (the list's filters) and sets the fields in `set`; genres are added "
    "or removed, fields locked or unlocked. Up to 500 rows change at once (200); more start a job (202) that "
    "works in batches of 500, each all-or-nothing. Audited."
)


@router.patch(
    "/videos",
    response_model=BulkEditResult,
    summary="Edit many videos",
    description=f"{_DESCRIPTION} Fields: status, monitored, kind, genres, locked fields.",
    responses=_RESPONSES,
)
async def bulk_edit_videos(
    request: Request,
    response: Response,
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    body: VideoBulkEdit,
) -> BulkEditResult:
    result = await bulk.start(session, events, clock, manager, client_ip(request), "video", body)
    if result.job is not None:
        response.status_code = status.HTTP_202_ACCEPTED
    return result


@router.patch(
    "/artists",
    response_model=BulkEditResult,
    summary="Edit many artists",
    description=f"{_DESCRIPTION} Fields: monitored, auto_download, quality profile, genres, locked fields.",
    responses=_RESPONSES,
)
async def bulk_edit_artists(
    request: Request,
    response: Response,
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    body: ArtistBulkEdit,
) -> BulkEditResult:
    result = await bulk.start(session, events, clock, manager, client_ip(request), "artist", body)
    if result.job is not None:
        response.status_code = status.HTTP_202_ACCEPTED
    return result


@router.post(
    "/videos/delete",
    response_model=BulkDeleteResult,
    summary="Delete many videos",
    description="Deletes the videos chosen by `ids` or by `filter` (the video list's filters). Their files stay "
    "on disk and become unmatched, unless `delete_files` moves them (with their sidecars) to the trash, "
    "restorable from `/trash`; `permanent` (admins only) deletes them for good instead. Up to 100 videos go "
    "at once (200); more start a `library.bulk_delete` job (202) working in batches of 100, each "
    "all-or-nothing. Audited.",
    responses={
        202: {"model": BulkDeleteResult, "description": "Over 100 videos: a `library.bulk_delete` job deletes them."},
        **error_responses(400, 403, 409, 422),
    },
)
async def bulk_delete_videos(
    request: Request,
    response: Response,
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    body: VideoBulkDelete,
) -> BulkDeleteResult:
    result = await bulk_delete.start(session, events, clock, manager, client_ip(request), body)
    if result.job is not None:
        response.status_code = status.HTTP_202_ACCEPTED
    return result
