"""Queries on users (by name), refresh tokens and sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import RefreshToken, User


async def user_by_key(session: AsyncSession, username_key: str) -> User | None:
    return (await session.execute(select(User).where(User.username_key == username_key))).scalar_one_or_none()


async def count_users(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def mark_used(session: AsyncSession, token_id: int, now: datetime) -> bool:
    """Marks the token used unless someone else did first; False means it was already used."""
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def revoke_families(
    session: AsyncSession,
    now: datetime,
    *,
    user_id: int | None = None,
    family_id: str | None = None,
    keep_family: str | None = None,
) -> list[str]:
    """Revokes live refresh tokens of a family or of all of a user's families; returns the families."""
    where: list[ColumnElement[bool]] = [RefreshToken.revoked_at.is_(None)]
    if user_id is not None:
        where.append(RefreshToken.user_id == user_id)
    if family_id is not None:
        where.append(RefreshToken.family_id == family_id)
    if keep_family is not None:
        where.append(RefreshToken.family_id != keep_family)
    families = list((await session.execute(select(RefreshToken.family_id).where(*where).distinct())).scalars())
    if families:
        await session.execute(
            update(RefreshToken).where(*where).values(revoked_at=now).execution_options(synchronize_session=False)
        )
    return families


async def live_sessions(session: AsyncSession, user_id: int, now: datetime) -> Sequence[Any]:
    """One row per live session: its current token (family, ip, agent, last use, expiry) and start."""
    started = (
        select(RefreshToken.family_id, func.min(RefreshToken.issued_at).label("created_at"))
        .where(RefreshToken.user_id == user_id)
        .group_by(RefreshToken.family_id)
        .subquery()
    )
    query = (
        select(
            RefreshToken.family_id,
            started.c.created_at,
            RefreshToken.issued_at,
            RefreshToken.expires_at,
            RefreshToken.user_agent,
            RefreshToken.ip,
        )
        .join(started, started.c.family_id == RefreshToken.family_id)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .order_by(RefreshToken.issued_at.desc())
    )
    return list((await session.execute(query)).all())


async def family_owner(session: AsyncSession, family_id: str) -> int | None:
    query = select(RefreshToken.user_id).where(RefreshToken.family_id == family_id).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def session_state(session: AsyncSession, user_id: int, family_id: str, now: datetime) -> Any | None:
    """The user behind an access token (name, role, active, must-change) and whether its session (refresh
    family) is still live: not revoked, not expired. None when the user does not exist."""
    live = (
        select(RefreshToken.id)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .exists()
    )
    query = select(User.username, User.role, User.active, User.must_change_password, live.label("live")).where(
        User.id == user_id
    )
    return (await session.execute(query)).first()
