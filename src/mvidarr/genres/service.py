"""Genres: listing, and the normalised links from artists and videos."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.genres import repository
from mvidarr.genres.schemas import GenrePublic
from mvidarr.kit.pagination import Page, PageParams


async def list_genres(session: AsyncSession, q: str | None, page: PageParams) -> Page[GenrePublic]:
    rows, total = await repository.list_genres(session, q, page.offset, page.page_size)
    items = [GenrePublic(id=i, name=n, artist_count=a, video_count=v) for i, n, a, v in rows]
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)
