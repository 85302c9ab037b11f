"""Create, list and revoke API keys. Users manage their own; admins anyone's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.api_keys import repository
from mvidarr.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from mvidarr.audit import service as audit
from mvidarr.auth.guard import Guard, Principal
from mvidarr.auth.tokens import new_api_key, sha256
from mvidarr.db import utcnow
from mvidarr.errors import Forbidden, NotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import ApiKey
from mvidarr.models.user import Role


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: int) -> None:
        super().__init__(f"API key {key_id} does not exist")


async def create_key(session: AsyncSession, data: ApiKeyCreate, *, actor: Principal, ip: str | None) -> ApiKeyCreated:
    role = data.role or actor.role
    if not actor.role.at_least(role):
        raise Forbidden(f"a key cannot have more rights than you ({actor.role.value})")
    key, prefix = new_api_key()
    row = ApiKey(user_id=actor.user_id, name=data.name, prefix=prefix, key_hash=sha256(key), role=role.value)
    session.add(row)
    await session.flush()
    audit.record(
        session, "api_key.created", actor=actor, target_type="api_key", target_id=row.id, ip=ip,
        details={"name": row.name, "role": row.role, "prefix": prefix},
    )  # fmt: skip
    return ApiKeyCreated.model_validate({**ApiKeyPublic.model_validate(row).model_dump(), "key": key})


async def list_keys(
    session: AsyncSession, page: PageParams, *, actor: Principal, user_id: int | None, include_revoked: bool
) -> Page[ApiKeyPublic]:
    """The caller's keys; an admin may ask for one user's (`user_id`) or everyone's (`user_id=0`)."""
    if user_id is not None and user_id != actor.user_id and not actor.at_least(Role.ADMIN):
        raise Forbidden("only admins can list other users' keys")
    owner = actor.user_id if user_id is None else (None if user_id == 0 else user_id)
    rows, total = await repository.list_page(session, page, user_id=owner, include_revoked=include_revoked)
    return Page(
        items=[ApiKeyPublic.model_validate(r) for r in rows], total=total, page=page.page, page_size=page.page_size
    )


async def revoke_key(session: AsyncSession, guard: Guard, key_id: int, *, actor: Principal, ip: str | None) -> None:
    row = await repository.get(session, key_id)
    # Someone else's key is "not found" to a non-admin: ids of others' keys are not disclosed.
    if row is None or (row.user_id != actor.user_id and not actor.at_least(Role.ADMIN)):
        raise ApiKeyNotFound(key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
        audit.record(
            session, "api_key.revoked", actor=actor, target_type="api_key", target_id=row.id, ip=ip,
            details={"name": row.name, "owner_id": row.user_id},
        )  # fmt: skip
    await guard.announce(session, [row.user_id])
