from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.models import AuditEvent


async def list_page(
    session: AsyncSession,
    page: PageParams,
    *,
    user_id: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[Sequence[AuditEvent], int]:
    """Newest first. `action` ending in '.' matches a whole family ('auth.' is every sign-in event)."""
    where: list[ColumnElement[Any]] = []
    if user_id is not None:
        where.append(AuditEvent.user_id == user_id)
    if action:
        if action.endswith("."):
            escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(AuditEvent.action.like(f"{escaped}%", escape="\\"))
        else:
            where.append(AuditEvent.action == action)
    if since is not None:
        where.append(AuditEvent.at >= since)
    if until is not None:
        where.append(AuditEvent.at < until)
    total = (await session.execute(select(func.count()).select_from(AuditEvent).where(*where))).scalar_one()
    rows = (
        await session.execute(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        )
    ).scalars()
    return list(rows), total
