from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.models import ApiKey


async def get(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def list_page(
    session: AsyncSession, page: PageParams, *, user_id: int | None, include_revoked: bool
) -> tuple[Sequence[ApiKey], int]:
    where: list[ColumnElement[Any]] = []
    if user_id is not None:
        where.append(ApiKey.user_id == user_id)
    if not include_revoked:
        where.append(ApiKey.revoked_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(ApiKey).where(*where))).scalar_one()
    query = select(ApiKey).where(*where).order_by(ApiKey.id.desc()).offset(page.offset).limit(page.page_size)
    return list((await session.execute(query)).scalars()), total
