from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from mvidarr.auth.dependencies import MANAGER, READONLY, Manager
from mvidarr.blocklist import service
from mvidarr.blocklist.schemas import BlocklistCreate, BlocklistEntryPublic
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID

router = APIRouter(prefix="/blocklist", tags=["blocklist"])
EntryIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Blocklist entry id.")]


@router.get(
    "",
    dependencies=[READONLY],
    response_model=Page[BlocklistEntryPublic],
    summary="List blocklisted sources",
    description="Sources that are never downloaded again, newest first; `video_id` shows those that apply to it.",
    responses=error_responses(401, 403, 422),
)
async def list_blocklist(
    session: SessionDep,
    page: PageDep,
    video_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Entries that apply to this video.")] = None,
) -> Page[BlocklistEntryPublic]:
    return await service.list_entries(session, page, video_id=video_id)


@router.post(
    "",
    response_model=BlocklistEntryPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Blocklist a source",
    description="From a failed or wrong download (`download_id`) or a URL; for one video, or for all when "
    "`video_id` is unset. A blocklisted source is never downloaded again.",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def add_to_blocklist(session: SessionDep, manager: Manager, body: BlocklistCreate) -> BlocklistEntryPublic:
    return await service.add(session, body, user_id=manager.user_id)


@router.delete(
    "/{entry_id}",
    dependencies=[MANAGER],
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove a blocklist entry",
    description="The source may be downloaded again.",
    responses=error_responses(401, 403, 404, 422),
)
async def remove_from_blocklist(session: SessionDep, entry_id: EntryIdPath) -> None:
    await service.remove(session, entry_id)
