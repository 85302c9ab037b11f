"""Library pages: the dashboard, artists (list, add, one artist), videos (list, one video) and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from mvidarr.artists import service as artists_service
from mvidarr.artists.repository import SORTABLE as ARTIST_SORTABLE
from mvidarr.artists.repository import ArtistFilter
from mvidarr.artwork import service as artwork_service
from mvidarr.db import SessionDep
from mvidarr.downloads import service as downloads_service
from mvidarr.errors import NotFound
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.text import search_terms
from mvidarr.library import service as library_service
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.playback.service import plays_in_browsers
from mvidarr.quality import service as quality_service
from mvidarr.search import service as search_service
from mvidarr.search.highlight import marked
from mvidarr.search.sources import KINDS as SEARCH_KINDS
from mvidarr.system import service as system_service
from mvidarr.videos import service as videos_service
from mvidarr.videos.endpoints import QUALITY_LABELS
from mvidarr.videos.repository import SORTABLE as VIDEO_SORTABLE
from mvidarr.videos.repository import VideoFilter
from mvidarr.web.access import (
    PageManager,
    PageReader,
)
from mvidarr.web.pages import (
    PAGE_SIZES,
    Pager,
    Query,
    not_found,
    render,
    viewer,
)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

VIDEO_SORTS = tuple(VIDEO_SORTABLE)
ARTIST_SORTS = tuple(ARTIST_SORTABLE)
STATUSES = tuple(s.value for s in VideoStatus)
KINDS = tuple(k.value for k in VideoKind)
EDITABLE_FIELDS = ("title", "year", "album", "label", "release_date", "description", "directors")
RECENT = 8


@router.get("/")
async def dashboard(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    one = PageParams(page=1, page_size=1)
    artists = await artists_service.list_artists(session, ArtistFilter(q=[]), None, one)
    videos = await videos_service.list_videos(session, VideoFilter(), None, one)
    wanted = await videos_service.list_videos(session, VideoFilter(status=[VideoStatus.WANTED.value]), None, one)
    summary = await quality_service.library_summary(session, artist_id=None, per_artist=False)
    recent = await videos_service.list_videos(session, VideoFilter(), "-created_at", PageParams(1, RECENT))
    health = await system_service.readiness(request.app.state.db, request.app.state.settings)
    roots = await library_service.list_root_folders(session) if summary.files == 0 else []
    return render(
        request,
        "dashboard.html",
        roots=roots,
        warnings=[check for check in health.checks if not check.ok],
        user=user,
        page="dashboard",
        artists_total=artists.total,
        videos_total=videos.total,
        wanted_total=wanted.total,
        summary=summary,
        recent=recent.items,
    )


ARTIST_SORT_CHOICES = (
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-video_count", "Most videos"),
    ("-created_at", "Recently added"),
    ("begin_year", "Oldest first"),
    ("country", "Country"),
)


@router.get("/artists")
async def artists_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    q = query.text("q")
    genre = query.text("genre", 100)
    monitored = query.flag("monitored")
    sort = query.sort(ARTIST_SORTS, "name")
    view = "grid" if query.text("view") == "grid" else "table"
    page = query.page(user.page_sizes.get("artists"))
    found = await artists_service.list_artists(
        session, ArtistFilter(q=search_terms(q), monitored=monitored, genre=genre or None), sort, page
    )
    return render(
        request,
        "artists.html",
        user=user,
        page="artists",
        artists=found.items,
        pictured=await artwork_service.artists_with_pictures(session, [a.id for a in found.items])
        if view == "grid"
        else set(),
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        q=q,
        genre=genre,
        monitored=monitored,
        sort=sort,
        sort_choices=ARTIST_SORT_CHOICES,
        view=view,
        profiles=await quality_service.list_profiles(session) if user.can_edit else [],
        page_sizes=PAGE_SIZES,
    )


@router.get("/artists/add")
async def add_artist_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    user = await viewer(session, principal)
    return render(request, "artist_add.html", user=user, page="artist_add", q=Query(request).text("q", 200))


@router.get("/artists/{artist_id}")
async def artist_page(request: Request, session: SessionDep, principal: PageReader, artist_id: IdPath) -> Response:
    user = await viewer(session, principal)
    try:
        artist = await artists_service.read_artist(session, artist_id)
    except NotFound:
        return not_found(request, user, f"There is no artist {artist_id}.")
    query = Query(request)
    sort = query.sort(VIDEO_SORTS, "-year")
    page = query.page(user.page_sizes.get("artist_videos"))
    videos = await videos_service.list_artist_videos(session, artist_id, VideoFilter(artist_id=artist_id), sort, page)
    # Sorted by year, the videos are grouped under a heading per year, each with the artist's count
    # for that year; the year navigation lists the years on this page, in the list's order.
    year_groups: dict[int | None, int] = {}
    if sort.lstrip("-") == "year":
        counts = await videos_service.artist_year_counts(session, artist_id)
        year_groups = {video.year: counts.get(video.year, 0) for video in videos.items}
    return render(
        request,
        "artist.html",
        user=user,
        page="artist",
        artist=artist,
        all_kinds=KINDS,
        profiles=await quality_service.list_profiles(session) if user.can_edit else [],
        videos=videos.items,
        year_groups=year_groups,
        pager=Pager(page.page, page.page_size, videos.total),
        query=query,
        sort=sort,
        page_sizes=PAGE_SIZES,
    )


VIDEO_SORT_CHOICES = (
    ("-created_at", "Recently added"),
    ("title", "Title, A to Z"),
    ("artist", "Artist, A to Z"),
    ("-year", "Year, newest first"),
    ("year", "Year, oldest first"),
    ("-quality", "Best quality first"),
)


@router.get("/videos")
async def videos_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    q = query.text("q")
    statuses = query.choices("status", STATUSES)
    kinds = query.choices("kind", KINDS)
    labels = query.choices("quality_label", QUALITY_LABELS)
    year_min = query.integer("year_min", 1900, 2100)
    year_max = query.integer("year_max", 1900, 2100)
    if year_min is not None and year_max is not None and year_min > year_max:
        year_min, year_max = year_max, year_min
    has_file = query.flag("has_file")
    genre = query.text("genre", 100)
    sort = query.sort(VIDEO_SORTS, "-created_at")
    view = "grid" if query.text("view") == "grid" else "table"
    page = query.page(user.page_sizes.get("videos"))
    flt = VideoFilter(
        q=search_terms(q),
        status=statuses,
        kind=kinds,
        year_min=year_min,
        year_max=year_max,
        genre=genre or None,
        has_file=has_file,
        quality_label=labels,
    )
    found = await videos_service.list_videos(session, flt, sort, page)
    # The list's filters as the bulk APIs take them (`filter` of PATCH /videos): "all matching" sends
    # these and the server finds the videos, so the browser never holds thousands of ids.
    selection = {
        "q": q or None,
        "status": statuses,
        "kind": kinds,
        "quality_label": labels,
        "year_min": year_min,
        "year_max": year_max,
        "genre": genre or None,
        "has_file": has_file,
    }
    return render(
        request,
        "videos.html",
        user=user,
        page="videos",
        videos=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        q=q,
        statuses=statuses,
        kinds=kinds,
        labels=labels,
        year_min=year_min,
        year_max=year_max,
        has_file=has_file,
        genre=genre,
        sort=sort,
        all_statuses=STATUSES,
        all_kinds=KINDS,
        all_labels=QUALITY_LABELS,
        page_sizes=PAGE_SIZES,
        selection={key: value for key, value in selection.items() if value not in (None, [])},
        view=view,
        sort_choices=VIDEO_SORT_CHOICES,
    )


SEARCH_PAGE_SIZE = 20


@router.get("/search")
async def search_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    q = query.text("q")
    kind = query.text("kind", 20)
    kind = kind if kind in SEARCH_KINDS else ""
    page = query.integer("page", 1, 1000) or 1
    found = await search_service.search(
        session, session.get_bind().dialect.name, q,
        kinds=[kind] if kind else None, viewer=search_service.viewer_of(principal), page=page,
        page_size=SEARCH_PAGE_SIZE,
    )  # fmt: skip
    for item in found["items"]:
        item["label_parts"] = marked(item["label"], item["highlights"]["label"])
        item["detail_parts"] = marked(item["detail"], item["highlights"]["detail"])
    return render(
        request,
        "search.html",
        user=user,
        page="search",
        q=q,
        kind=kind,
        kinds=SEARCH_KINDS,
        found=found,
        pager=Pager(page, SEARCH_PAGE_SIZE, found["total"]),
        query=query,
    )


@router.get("/videos/{video_id}")
async def video_page(request: Request, session: SessionDep, principal: PageReader, video_id: IdPath) -> Response:
    user = await viewer(session, principal)
    try:
        video = await videos_service.read_video(session, video_id)
    except NotFound:
        return not_found(request, user, f"There is no video {video_id}.")
    report = await quality_service.video_report(session, video_id)
    last_download = await downloads_service.latest_attempt(session, video_id)
    provenance = [
        (name, value if isinstance(value, dict) else {}) for name, value in sorted(video.field_provenance.items())
    ]
    return render(
        request,
        "video.html",
        user=user,
        page="video",
        video=video,
        editable_fields=EDITABLE_FIELDS,
        report=report,
        last_download=last_download,
        provenance=provenance,
        remuxed=video.file is not None
        and not plays_in_browsers(video.file.container, video.file.video_codec, video.file.audio_codec),
    )
