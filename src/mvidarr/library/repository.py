"""Root folder queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import MediaFile, RootFolder


async def all_root_folders(session: AsyncSession) -> Sequence[RootFolder]:
    return (await session.execute(select(RootFolder).order_by(RootFolder.path))).scalars().all()


async def file_counts(session: AsyncSession) -> dict[int, int]:
    result = await session.execute(select(MediaFile.root_folder_id, func.count()).group_by(MediaFile.root_folder_id))
    return dict(result.all())
