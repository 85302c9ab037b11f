from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from mvidarr.api_keys import service
from mvidarr.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from mvidarr.auth.dependencies import GuardDep, Reader, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID

router = APIRouter(prefix="/api-keys", tags=["api-keys"])
KeyIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="API key id.")]


@router.get(
    "",
    response_model=Page[ApiKeyPublic],
    summary="List API keys",
    description="Your keys, newest first. Admins may pass `user_id` (another user's) or `user_id=0` (everyone's).",
    responses=error_responses(401, 403, 422),
)
async def list_api_keys(
    session: SessionDep,
    caller: Reader,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Owner (admins); 0 for all.")] = None,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> Page[ApiKeyPublic]:
    return await service.list_keys(session, page, actor=caller, user_id=user_id, include_revoked=include_revoked)


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
    description="A key for programs (`X-Api-Key` header) acting as you, capped at `role`. "
    "The key is in this answer only; MVidarr stores a hash.",
    responses=error_responses(400, 401, 403, 422),
)
async def create_api_key(request: Request, session: SessionDep, caller: Reader, body: ApiKeyCreate) -> ApiKeyCreated:
    return await service.create_key(session, body, actor=caller, ip=client_ip(request))


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Revoke an API key",
    description="The key stops working at once. Admins may revoke anyone's key.",
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_api_key(
    request: Request, session: SessionDep, guard: GuardDep, caller: Reader, key_id: KeyIdPath
) -> None:
    await service.revoke_key(session, guard, key_id, actor=caller, ip=client_ip(request))
