"""Record and read audit events. Events are added to the caller's session, so they commit or roll
back with the change they describe; failed sign-ins are recorded in their own unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import repository
from mvidarr.audit.schemas import AuditEventPublic
from mvidarr.auth.guard import Principal
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import AuditEvent


def record(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | None = None,
    user_id: int | None = None,
    username: str | None = None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the session; `actor` (the caller) fills user id and name when given."""
    event = AuditEvent(
        action=action,
        user_id=actor.user_id if actor is not None else user_id,
        username=(actor.username if actor is not None else username),
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        ip=ip,
        details=details or {},
    )
    if actor is not None and actor.api_key_id is not None:
        event.details = {**event.details, "api_key_id": actor.api_key_id}
    session.add(event)
    return event


async def list_events(
    session: AsyncSession,
    page: PageParams,
    *,
    user_id: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Page[AuditEventPublic]:
    rows, total = await repository.list_page(session, page, user_id=user_id, action=action, since=since, until=until)
    return Page(
        items=[AuditEventPublic.model_validate(row) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )
