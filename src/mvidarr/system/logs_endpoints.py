"""`GET /system/logs`: the recent log records of the process that answers, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from mvidarr.auth.dependencies import ADMIN
from mvidarr.errors import InvalidInput, error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.logs import log_ring
from mvidarr.system import logs_service
from mvidarr.system.logs_schemas import LogLevel, LogRecordPublic

router = APIRouter(prefix="/system", tags=["system"])


@router.get(
    "/logs",
    response_model=Page[LogRecordPublic],
    dependencies=[ADMIN],
    summary="Read recent log records",
    description="The most recent log records of the process that answers (kept in memory; "
    "`MVIDARR_LOG_BUFFER_RECORDS`, 2,000 by default), newest first. Tokens, API keys, passwords and "
    "URL credentials are redacted. With several API processes each answers with its own records; "
    "separate worker processes' records are only in their own output. Admins only.",
    responses=error_responses(401, 403, 422),
)
async def list_log_records(
    page: PageDep,
    level: Annotated[LogLevel | None, Query(description="The lowest level shown.")] = None,
    logger: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
            description="A logger and the loggers under it (`mvidarr.jobs` takes `mvidarr.jobs.runner`).",
        ),
    ] = None,
    request_id: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9._:-]{8,128}$", description="Only records of this request (`X-Request-ID`)."),
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Text in the message or traceback (any case).")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive, ISO 8601 with a zone).")] = None,
    before_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only records older than this id; keeps later pages steady."),
    ] = None,
) -> Page[LogRecordPublic]:
    if since is not None and since.tzinfo is None:
        raise InvalidInput("since needs a time zone (e.g. a trailing Z)", loc=("query", "since"))
    filters = logs_service.LogFilter(
        level=level, logger=logger, request_id=request_id, q=q, since=since, before_id=before_id
    )
    return logs_service.list_records(log_ring(), filters, page)
