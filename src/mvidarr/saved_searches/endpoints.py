from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from mvidarr.auth.dependencies import Reader
from mvidarr.db import ReadsDep, SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.sqljson import json_response
from mvidarr.saved_searches import service
from mvidarr.saved_searches.schemas import SavedSearchCreate, SavedSearchPublic, SavedSearchUpdate
from mvidarr.videos.schemas import VideoListItem

router = APIRouter(prefix="/saved-searches", tags=["search"])
SearchIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Saved search id.")]
_OWN = "Every user, of any role, has saved searches of their own; no one sees another's."


@router.get(
    "",
    response_model=Page[SavedSearchPublic],
    summary="List my saved searches",
    description=f"The caller's saved searches by name. {_OWN}",
    responses=error_responses(422),
)
async def list_saved_searches(session: SessionDep, caller: Reader, page: PageDep) -> Page[SavedSearchPublic]:
    return await service.list_saved(session, caller.user_id, page)


@router.post(
    "",
    response_model=SavedSearchPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Save a search",
    description=f"Saves the video list's filters and sort under a name (unique per user, ignoring case). {_OWN}",
    responses=error_responses(409, 422),
)
async def create_saved_search(session: SessionDep, caller: Reader, body: SavedSearchCreate) -> SavedSearchPublic:
    return await service.create_saved(session, caller.user_id, body)


@router.get(
    "/{search_id}",
    response_model=SavedSearchPublic,
    summary="Get a saved search",
    description=_OWN,
    responses=error_responses(404, 422),
)
async def get_saved_search(session: SessionDep, caller: Reader, search_id: SearchIdPath) -> SavedSearchPublic:
    return await service.get_saved(session, caller.user_id, search_id)


@router.patch(
    "/{search_id}",
    response_model=SavedSearchPublic,
    summary="Change a saved search",
    description=f"Renames it, or replaces its filters or sort (only the fields sent). {_OWN}",
    responses=error_responses(404, 409, 422),
)
async def update_saved_search(
    session: SessionDep, caller: Reader, search_id: SearchIdPath, body: SavedSearchUpdate
) -> SavedSearchPublic:
    return await service.update_saved(session, caller.user_id, search_id, body)


@router.delete(
    "/{search_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a saved search",
    description=_OWN,
    responses=error_responses(404, 422),
)
async def delete_saved_search(session: SessionDep, caller: Reader, search_id: SearchIdPath) -> None:
    await service.delete_saved(session, caller.user_id, search_id)


@router.get(
    "/{search_id}/videos",
    response_model=Page[VideoListItem],
    summary="Run a saved search",
    description="The videos the saved search finds now, in its sort, a page as `GET /videos` gives it.",
    responses=error_responses(404, 422),
)
async def saved_search_videos(
    session: SessionDep, reads: ReadsDep, caller: Reader, search_id: SearchIdPath, page: PageDep
) -> Response:
    return json_response(await service.videos_json(session, reads, caller.user_id, search_id, page))
