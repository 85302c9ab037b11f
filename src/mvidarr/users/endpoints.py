from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from mvidarr.auth.dependencies import Admin, GuardDep, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.models.user import Role
from mvidarr.users import service
from mvidarr.users.schemas import PasswordReset, UserCreate, UserPublic, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="User id.")]


@router.get(
    "",
    response_model=Page[UserPublic],
    summary="List users",
    description="Every account, sorted by username; filter by name, role and whether active.",
    responses=error_responses(401, 403, 422),
)
async def list_users(
    session: SessionDep,
    admin: Admin,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=64, description="Part of the username.")] = None,
    role: Annotated[Role | None, Query(description="Only this role.")] = None,
    active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false).")] = None,
) -> Page[UserPublic]:
    return await service.list_users(session, page, q=q, role=role, active=active)


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    description="Creates an account with a role. By default the user must choose a new password at first sign-in.",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def create_user(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, body: UserCreate
) -> UserPublic:
    return await service.add_user(session, guard, body, actor=admin, ip=client_ip(request))


@router.get(
    "/{user_id}",
    response_model=UserPublic,
    summary="Get a user",
    description="One account.",
    responses=error_responses(401, 403, 404, 422),
)
async def get_user(session: SessionDep, admin: Admin, user_id: UserIdPath) -> UserPublic:
    return await service.read_user(session, user_id)


@router.patch(
    "/{user_id}",
    response_model=UserPublic,
    summary="Change a user's role or e-mail",
    description="A role change applies at the user's next token refresh (at once in this process). "
    "The last active admin cannot be demoted.",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
async def update_user(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, user_id: UserIdPath, body: UserUpdate
) -> UserPublic:
    return await service.update_user(session, guard, user_id, body, actor=admin, ip=client_ip(request))


@router.post(
    "/{user_id}/deactivate",
    response_model=UserPublic,
    summary="Deactivate a user",
    description="The user can no longer sign in; sessions and API keys are revoked. Not the last active admin.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def deactivate_user(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, user_id: UserIdPath
) -> UserPublic:
    return await service.deactivate_user(session, guard, user_id, actor=admin, ip=client_ip(request))


@router.post(
    "/{user_id}/reactivate",
    response_model=UserPublic,
    summary="Reactivate a user",
    description="The user may sign in again (revoked API keys stay revoked).",
    responses=error_responses(401, 403, 404, 422),
)
async def reactivate_user(request: Request, session: SessionDep, admin: Admin, user_id: UserIdPath) -> UserPublic:
    return await service.reactivate_user(session, user_id, actor=admin, ip=client_ip(request))


@router.post(
    "/{user_id}/unlock",
    response_model=UserPublic,
    summary="Unlock a user",
    description="Clears a lockout after repeated failed sign-ins.",
    responses=error_responses(401, 403, 404, 422),
)
async def unlock_user(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, user_id: UserIdPath
) -> UserPublic:
    return await service.unlock_user(session, guard, user_id, actor=admin, ip=client_ip(request))


@router.post(
    "/{user_id}/password",
    response_model=UserPublic,
    summary="Reset a user's password",
    description="Sets a new password that the user must change at next sign-in; their sessions end now.",
    responses=error_responses(400, 401, 403, 404, 422),
)
async def reset_password(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, user_id: UserIdPath, body: PasswordReset
) -> UserPublic:
    return await service.reset_password(session, guard, user_id, body.password, actor=admin, ip=client_ip(request))


@router.post(
    "/{user_id}/totp/reset",
    response_model=UserPublic,
    summary="Reset a user's two-factor authentication",
    description="Turns 2FA off for a user who lost their authenticator and recovery codes.",
    responses=error_responses(401, 403, 404, 422),
)
async def reset_totp(request: Request, session: SessionDep, admin: Admin, user_id: UserIdPath) -> UserPublic:
    return await service.reset_totp(session, user_id, actor=admin, ip=client_ip(request))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a user",
    description="Deletes the account with its sessions and API keys; audit events keep the name. "
    "Not the last active admin.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def delete_user(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, user_id: UserIdPath
) -> None:
    await service.delete_user(session, guard, user_id, actor=admin, ip=client_ip(request))
