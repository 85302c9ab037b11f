from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import Admin, Manager, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.state import ClockDep, EventsDep
from mvidarr.trash import service
from mvidarr.trash import tasks as _tasks  # noqa: F401  (registers trash.purge)
from mvidarr.trash.schemas import RestoreResult, TrashEntryPublic

router = APIRouter(prefix="/trash", tags=["trash"])
EntryIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Trash entry id.")]


@router.get(
    "",
    response_model=Page[TrashEntryPublic],
    summary="List the trash",
    description="Files moved to the trash by deleting videos or artists or merging duplicates, newest first, "
    "with the date the scheduled purge deletes them (`library.trash_retention_days`).",
    responses=error_responses(422),
)
async def list_trash(
    session: SessionDep,
    _manager: Manager,
    page: PageDep,
    root_folder_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this root folder.")] = None,
) -> Page[TrashEntryPublic]:
    return await service.list_entries(session, page, root_folder_id=root_folder_id)


@router.post(
    "/{entry_id}/restore",
    response_model=RestoreResult,
    summary="Restore a trashed file",
    description="Moves the file (and its sidecars) back to its original path, or to `name (2).ext` if that is "
    "taken; folders removed since are created again. The video it belonged to comes back under its old id "
    "(with the metadata it had; an artist deleted since is found by name or added again), so links to it keep "
    "working; a scan of its root folder is started to pick up the rest.",
    responses=error_responses(404, 409, 422),
)
async def restore_entry(
    request: Request, session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, entry_id: EntryIdPath
) -> RestoreResult:
    result = await service.restore(session, events, clock, entry_id, manager.user_id)
    audit.record(
        session, "trash.restored", actor=manager, target_type="trash_entry", target_id=entry_id,
        ip=client_ip(request), details={"restored_path": result.restored_path},
    )  # fmt: skip
    return result


@router.delete(
    "/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Purge a trashed file",
    description="Deletes the trashed file and its sidecars for good (admins only).",
    responses=error_responses(404, 422),
)
async def purge_entry(request: Request, session: SessionDep, admin: Admin, entry_id: EntryIdPath) -> None:
    await service.purge_entry(session, entry_id)
    audit.record(
        session, "trash.purged", actor=admin, target_type="trash_entry", target_id=entry_id, ip=client_ip(request)
    )
