"""Saved search queries: always within one user's own searches."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.models import SavedSearch


async def get_own(session: AsyncSession, user_id: int, search_id: int) -> SavedSearch | None:
    found = await session.get(SavedSearch, search_id)
    return found if found is not None and found.user_id == user_id else None


async def name_taken(session: AsyncSession, user_id: int, name: str, *, other_than: int | None = None) -> bool:
    stmt = select(SavedSearch.id).where(SavedSearch.user_id == user_id, func.lower(SavedSearch.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(SavedSearch.id != other_than)
    return (await session.scalar(stmt.limit(1))) is not None


async def list_own(session: AsyncSession, user_id: int, page: PageParams) -> tuple[list[SavedSearch], int]:
    base = select(SavedSearch).where(SavedSearch.user_id == user_id)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    rows = await session.execute(
        base.order_by(func.lower(SavedSearch.name), SavedSearch.id).offset(page.offset).limit(page.page_size)
    )
    return list(rows.scalars()), total
