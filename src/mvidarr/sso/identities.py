"""The provider accounts (subjects) linked to a user, as an admin lists, links and unlinks them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.errors import Conflict, NotFound
from mvidarr.models import UserIdentity
from mvidarr.sso import repository
from mvidarr.sso.providers import ProviderNotFound
from mvidarr.sso.schemas import IdentityLink, IdentityPublic
from mvidarr.users import service as users


async def list_identities(session: AsyncSession, user_id: int) -> list[IdentityPublic]:
    await users.get_user(session, user_id)
    return [
        IdentityPublic(
            id=identity.id,
            provider=slug,
            subject=identity.subject,
            email=identity.email,
            created_at=identity.created_at,
            last_login_at=identity.last_login_at,
        )
        for identity, slug in await repository.identities_of(session, user_id)
    ]


async def link_identity(
    session: AsyncSession, user_id: int, body: IdentityLink, *, actor: Principal, ip: str | None
) -> IdentityPublic:
    user = await users.get_user(session, user_id)
    provider = await repository.provider_by_slug(session, body.provider)
    if provider is None:
        raise ProviderNotFound(body.provider)
    if await repository.identity(session, provider.id, body.subject) is not None:
        raise Conflict(f"that {provider.name} account is already linked")
    identity = UserIdentity(user_id=user.id, provider_id=provider.id, subject=body.subject)
    session.add(identity)
    await session.flush()
    audit.record(
        session, "sso.identity_linked", actor=actor, ip=ip, target_type="user", target_id=user.id,
        details={"provider": provider.slug, "by": "admin"},
    )  # fmt: skip
    return IdentityPublic(
        id=identity.id, provider=provider.slug, subject=identity.subject, email=None,
        created_at=identity.created_at, last_login_at=None,
    )  # fmt: skip


async def unlink_identity(
    session: AsyncSession, user_id: int, identity_id: int, *, actor: Principal, ip: str | None
) -> None:
    identity = await session.get(UserIdentity, identity_id)
    if identity is None or identity.user_id != user_id:
        raise NotFound(f"identity {identity_id} of user {user_id} does not exist")
    audit.record(
        session, "sso.identity_unlinked", actor=actor, ip=ip, target_type="user", target_id=user_id,
        details={"identity": identity_id},
    )  # fmt: skip
    await session.delete(identity)
    await session.flush()


# ----------------------------------------------------------------- reverse-proxy sign-in
