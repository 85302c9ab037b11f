"""Queries on sign-in providers, linked identities and sign-ins under way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import RefreshToken, SsoLogin, SsoProvider, User, UserIdentity


async def providers(session: AsyncSession) -> list[SsoProvider]:
    return list((await session.execute(select(SsoProvider).order_by(SsoProvider.name, SsoProvider.id))).scalars())


async def provider_by_slug(session: AsyncSession, slug: str) -> SsoProvider | None:
    return (await session.execute(select(SsoProvider).where(SsoProvider.slug == slug))).scalar_one_or_none()


async def drop_expired_logins(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(SsoLogin).where(SsoLogin.expires_at <= now))


async def pending_logins(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(SsoLogin))).scalar_one()


async def take_login(session: AsyncSession, state_hash: str) -> SsoLogin | None:
    """The sign-in under way with this state, removed so that it can be finished once only."""
    row = (await session.execute(select(SsoLogin).where(SsoLogin.state_hash == state_hash))).scalar_one_or_none()
    if row is None:
        return None
    deleted = await session.execute(
        delete(SsoLogin).where(SsoLogin.id == row.id).execution_options(synchronize_session=False)
    )
    # Two callbacks racing with one state: only the one whose DELETE removed the row goes on.
    return row if getattr(deleted, "rowcount", 0) == 1 else None


async def identity(session: AsyncSession, provider_id: int, subject: str) -> UserIdentity | None:
    query = select(UserIdentity).where(UserIdentity.provider_id == provider_id, UserIdentity.subject == subject)
    return (await session.execute(query)).scalar_one_or_none()


async def users_by_email(session: AsyncSession, email: str) -> list[User]:
    query = select(User).where(func.lower(User.email) == email.lower()).limit(2)
    return list((await session.execute(query)).scalars())


async def identities_of(session: AsyncSession, user_id: int) -> Sequence[Any]:
    query = (
        select(UserIdentity, SsoProvider.slug)
        .join(SsoProvider, SsoProvider.id == UserIdentity.provider_id)
        .where(UserIdentity.user_id == user_id)
        .order_by(UserIdentity.id)
    )
    return list((await session.execute(query)).all())


async def session_provider(session: AsyncSession, family_id: str) -> int | None:
    """The provider a session (refresh family) was signed in with, None for a password session."""
    query = select(RefreshToken.sso_provider_id).where(RefreshToken.family_id == family_id).limit(1)
    return (await session.execute(query)).scalar_one_or_none()
