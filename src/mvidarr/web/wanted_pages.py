"""What the library lacks or could improve: Wanted (missing, cutoff unmet), the calendar, quality."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from mvidarr.artists import service as artists_service
from mvidarr.db import SessionDep
from mvidarr.discovery import service as discovery_service
from mvidarr.discovery.repository import WANTED_SORTABLE, WantedFilter
from mvidarr.errors import NotFound
from mvidarr.kit.params import MAX_ID
from mvidarr.models import VideoKind
from mvidarr.quality import service as quality_service
from mvidarr.quality.repository import CUTOFF_SORTABLE
from mvidarr.quality.schemas import SPONSORBLOCK_CATEGORIES
from mvidarr.videos.endpoints import QUALITY_LABELS
from mvidarr.web.access import (
    PageReader,
)
from mvidarr.web.pages import PAGE_SIZES, Pager, Query, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

KINDS = tuple(k.value for k in VideoKind)


QUALITY_CHARTS = (
    ("by_label", "Files by quality"),
    ("by_video_codec", "Video codecs"),
    ("by_audio_codec", "Audio codecs"),
    ("by_container", "Containers"),
    ("by_hdr", "HDR"),
)
CUTOFF_SORTS = tuple(CUTOFF_SORTABLE)


@router.get("/quality")
async def quality_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    sort = query.sort(CUTOFF_SORTS, "score")
    page = query.page(user.page_sizes.get("cutoff_unmet"))
    unmet = await quality_service.cutoff_unmet(session, artist_id=None, profile_id=None, sort=sort, page=page)
    return render(
        request,
        "quality.html",
        user=user,
        page="quality",
        summary=await quality_service.library_summary(session, artist_id=None, per_artist=False),
        charts=QUALITY_CHARTS,
        unmet=unmet.items,
        pager=Pager(page.page, page.page_size, unmet.total),
        query=query,
        sort=sort,
        page_sizes=PAGE_SIZES,
        profiles=await quality_service.list_profiles(session),
        all_labels=QUALITY_LABELS,
        sponsorblock_categories=SPONSORBLOCK_CATEGORIES,
    )


WANTED_LISTS = (("missing", "Missing"), ("cutoff_unmet", "Cutoff unmet"))
WANTED_SORTS = tuple(WANTED_SORTABLE)
WANTED_SORT_CHOICES = (
    ("-release_date", "Release date, newest first"),
    ("release_date", "Release date, oldest first"),
    ("artist", "Artist, A to Z"),
    ("title", "Title, A to Z"),
    ("-discovered_at", "Recently discovered"),
)


@router.get("/wanted")
async def wanted_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    which = query.text("list")
    which = which if which in dict(WANTED_LISTS) else "missing"
    artist_id = query.integer("artist_id", 1, MAX_ID)
    year = query.integer("year", 1900, 2100)
    kinds = query.choices("kind", KINDS)
    kind = kinds[0] if kinds else None
    sort = query.sort(WANTED_SORTS, "-release_date")
    page = query.page(user.page_sizes.get("wanted"))
    flt = WantedFilter(cutoff_unmet=which == "cutoff_unmet", artist_id=artist_id, year=year, kind=kind)
    found = await discovery_service.list_wanted(session, flt, sort, page)
    artist_name = None
    if artist_id is not None:
        try:
            artist_name = (await artists_service.read_artist(session, artist_id)).name
        except NotFound:
            artist_name = f"#{artist_id}"
    return render(
        request,
        "wanted.html",
        user=user,
        page="wanted",
        which=which,
        lists=WANTED_LISTS,
        wanted=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        artist_id=artist_id,
        artist_name=artist_name,
        year=year,
        kind=kind,
        all_kinds=KINDS,
        sort=sort,
        sort_choices=WANTED_SORT_CHOICES,
        page_sizes=PAGE_SIZES,
    )


@router.get("/calendar")
async def calendar_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    today = dt.date.today()
    try:
        first = dt.date.fromisoformat(query.text("month", 7) + "-01")
    except ValueError:
        first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    items = await discovery_service.calendar(session, first, last)
    days: dict[dt.date, list[Any]] = {}
    for item in items:
        days.setdefault(item.release_date, []).append(item)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    # Whole weeks, Monday first, from the week of the 1st to the week of the last day.
    start = first - dt.timedelta(days=first.weekday())
    weeks = [
        [
            (day, day.month == first.month, days.get(day, []))
            for day in (start + dt.timedelta(days=w * 7 + d) for d in range(7))
        ]
        for w in range(((last - start).days // 7) + 1)
    ]
    return render(
        request,
        "calendar.html",
        user=user,
        page="calendar",
        month=first,
        days=sorted(days.items()),
        weeks=weeks,
        today=today,
        previous=previous.strftime("%Y-%m"),
        following=following.strftime("%Y-%m"),
    )
