from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from mvidarr.auth.dependencies import MANAGER, READONLY, Manager
from mvidarr.db import SessionDep
from mvidarr.discovery import ical, service
from mvidarr.discovery import tasks as _tasks  # noqa: F401  (registers the discovery job types)
from mvidarr.discovery.repository import WANTED_SORTABLE, WantedFilter
from mvidarr.discovery.schemas import (
    CalendarItem,
    DiscoveryPreview,
    WantedBulk,
    WantedBulkResult,
    WantedItem,
    WantedKind,
)
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID, sort_query
from mvidarr.models import VideoKind
from mvidarr.state import ClockDep, DatabaseDep, EventsDep, ProvidersDep

router = APIRouter(tags=["discovery"])
ArtistIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")]


@router.post(
    "/artists/{artist_id}/discover",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Discover an artist's videos",
    description="Starts an `artist.discover` job: every enabled source is asked for the artist's music "
    "videos; new ones are added as wanted (or ignored, with the filter's reason). A discovery of the "
    "same artist already queued or running is answered instead of starting another.",
    responses=error_responses(404, 422),
)
async def discover_artist(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, artist_id: ArtistIdPath
) -> JobPublic:
    job = await service.start_discover(session, events, clock, artist_id, manager.user_id)
    return jobs.public(job)


@router.get(
    "/artists/{artist_id}/discover/preview",
    dependencies=[MANAGER],
    response_model=DiscoveryPreview,
    summary="Preview an artist's discovery",
    description="A dry run: asks the sources now and shows what discovery would add, what it would "
    "ignore and why, what is already in the library and what the user removed. Nothing is written.",
    responses=error_responses(404, 422),
)
async def preview_discovery(db: DatabaseDep, providers: ProvidersDep, artist_id: ArtistIdPath) -> DiscoveryPreview:
    return await service.preview_discovery(db, providers, artist_id)


wanted_router = APIRouter(prefix="/wanted", tags=["discovery"])


@wanted_router.get(
    "",
    dependencies=[READONLY],
    response_model=Page[WantedItem],
    summary="List wanted videos",
    description="`missing`: wanted videos without a file; `cutoff_unmet`: videos whose file is below their "
    "quality profile's cutoff. Sortable by `release_date` (default newest first), `year`, `title`, "
    "`artist`, `discovered_at`, `created_at`.",
    responses=error_responses(422),
)
async def list_wanted(
    session: SessionDep,
    page: PageDep,
    sort: Annotated[str | None, sort_query(WANTED_SORTABLE)] = None,
    list_: Annotated[WantedKind, Query(alias="list", description="Which wanted list.")] = "missing",
    artist_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    kind: VideoKind | None = None,
) -> Page[WantedItem]:
    flt = WantedFilter(
        cutoff_unmet=list_ == "cutoff_unmet",
        artist_id=artist_id,
        year=year,
        kind=kind.value if kind else None,
    )
    return await service.list_wanted(session, flt, sort, page)


@wanted_router.post(
    "/bulk",
    dependencies=[MANAGER],
    response_model=WantedBulkResult,
    summary="Ignore, un-ignore or want videos",
    description="Changes the status of a selection of videos at once. Videos with a file keep their status.",
    responses=error_responses(404, 422),
)
async def bulk_wanted(session: SessionDep, body: WantedBulk) -> WantedBulkResult:
    return await service.bulk_wanted(session, body)


calendar_router = APIRouter(prefix="/calendar", tags=["discovery"])


@calendar_router.get(
    "",
    dependencies=[READONLY],
    response_model=list[CalendarItem],
    summary="Release calendar",
    description="Videos of monitored artists released (or to be released) between `start` and `end` "
    "inclusive, by release date; at most 366 days and 2000 videos. Ignored videos are left out.",
    responses=error_responses(422),
)
async def calendar(
    session: SessionDep,
    start: Annotated[dt.date, Query(description="First day, YYYY-MM-DD.")],
    end: Annotated[dt.date, Query(description="Last day, YYYY-MM-DD.")],
) -> list[CalendarItem]:
    return await service.calendar(session, start, end)


ical_router = APIRouter(tags=["discovery"])
ICAL_PAST_DAYS = 90
ICAL_FUTURE_DAYS = 270


@ical_router.get(
    "/calendar.ics",
    dependencies=[READONLY],
    response_class=Response,
    summary="Release calendar as an iCalendar feed",
    description="The release calendar (90 days back, 270 ahead; at most 2000 videos) as `text/calendar` for "
    "calendar apps: one all-day event per video. Calendar apps cannot send headers, so besides the usual "
    "credentials this URL accepts an API key as `?api_key=` (a read-only key is enough).",
    responses={
        200: {"description": "The feed.", "content": {"text/calendar": {}}},
        **error_responses(401, 403),
    },
)
async def calendar_feed(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    now = clock.now()
    today = now.date()
    items = await service.calendar(
        session, today - dt.timedelta(days=ICAL_PAST_DAYS), today + dt.timedelta(days=ICAL_FUTURE_DAYS)
    )
    base = str(request.base_url).rstrip("/")
    text = ical.feed(items, base_url=base, now=now, host=request.url.hostname or "mvidarr")
    return Response(
        text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="mvidarr-releases.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
