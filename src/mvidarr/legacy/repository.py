"""Queries over what earlier 0.9.7 imports brought across."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import Artist, LegacyLink, Video

Owner = Literal["artist", "video"]


async def without_thumbnail(
    session: AsyncSession, source: str, kind: Owner, *, after_id: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """(id, provenance) of this import's artists or videos that have no picture yet, by id after `after_id`."""
    model: type[Artist] | type[Video] = Artist if kind == "artist" else Video
    stmt = (
        select(model.id, model.field_provenance)
        .join(LegacyLink, LegacyLink.target_id == model.id)
        .where(
            LegacyLink.source == source,
            LegacyLink.kind == kind,
            model.thumbnail_path.is_(None),
            model.id > after_id,
        )
        .distinct()
        .order_by(model.id)
        .limit(limit)
    )
    return [(row_id, provenance or {}) for row_id, provenance in (await session.execute(stmt)).all()]
