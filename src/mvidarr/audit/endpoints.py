from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from mvidarr.audit import service
from mvidarr.audit.schemas import AuditEventPublic
from mvidarr.auth.dependencies import ADMIN
from mvidarr.db import SessionDep
from mvidarr.errors import CONTENT, InvalidInput, error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "",
    response_model=Page[AuditEventPublic],
    dependencies=[ADMIN],
    summary="Read the audit log",
    description="Sign-ins and failures, lockouts, account, role, key and settings changes, and deletions; "
    "newest first. `action` matches exactly, or a family when it ends in '.' (e.g. `auth.`).",
    responses=error_responses(401, 403, 422),
)
async def list_audit_events(
    session: SessionDep,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this user's events.")] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive, ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (ISO 8601).")] = None,
) -> Page[AuditEventPublic]:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone (e.g. a trailing Z)", loc=("query", name), type_=CONTENT)
    return await service.list_events(session, page, user_id=user_id, action=action, since=since, until=until)
