from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.models import ApiKey, User
from mvidarr.models.user import Role


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def by_key(session: AsyncSession, username_key: str) -> User | None:
    return (await session.execute(select(User).where(User.username_key == username_key))).scalar_one_or_none()


async def list_page(
    session: AsyncSession, page: PageParams, *, q: str | None, role: Role | None, active: bool | None
) -> tuple[Sequence[User], int]:
    where: list[ColumnElement[Any]] = []
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(User.username_key.like(f"%{escaped}%", escape="\\"))
    if role is not None:
        where.append(User.role == role.value)
    if active is not None:
        where.append(User.active.is_(active))
    total = (await session.execute(select(func.count()).select_from(User).where(*where))).scalar_one()
    query = select(User).where(*where).order_by(User.username_key, User.id).offset(page.offset).limit(page.page_size)
    return list((await session.execute(query)).scalars()), total


async def count_active_admins(session: AsyncSession) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
    return (await session.execute(query)).scalar_one()


async def revoke_api_keys(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
