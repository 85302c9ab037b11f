"""Page routes. Each reads what its first paint needs through the domain services and renders
one template; the page's ES module adds live updates and actions through the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mvidarr.artists import service as artists_service
from mvidarr.artists.repository import SORTABLE as ARTIST_SORTABLE
from mvidarr.artists.repository import ArtistFilter
from mvidarr.auth.dependencies import PUBLIC
from mvidarr.db import SessionDep
from mvidarr.errors import NotFound
from mvidarr.jobs import service as jobs_service
from mvidarr.jobs.repository import JobFilter
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.text import search_terms
from mvidarr.library import service as library_service
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.models.job import ACTIVE_STATUSES, TERMINAL_STATUSES
from mvidarr.quality import service as quality_service
from mvidarr.settings import service as settings_service
from mvidarr.settings.schemas import SettingPublic
from mvidarr.videos import service as videos_service
from mvidarr.videos.endpoints import QUALITY_LABELS
from mvidarr.videos.repository import SORTABLE as VIDEO_SORTABLE
from mvidarr.videos.repository import VideoFilter
from mvidarr.web.access import PageForbidden, PageManager, PageReader, PageRedirect, PageVisitor, setup_needed
from mvidarr.web.assets import Assets
from mvidarr.web.pages import PAGE_SIZES, Pager, Query, Viewer, build_environment, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
VIDEO_SORTS = tuple(VIDEO_SORTABLE)
ARTIST_SORTS = tuple(ARTIST_SORTABLE)
STATUSES = tuple(s.value for s in VideoStatus)
KINDS = tuple(k.value for k in VideoKind)
EDITABLE_FIELDS = ("title", "year", "album", "label", "release_date", "description", "directors")
RECENT = 8


@dataclass(frozen=True, slots=True)
class SettingField:
    """How the settings form shows one runtime setting, read from its JSON schema."""

    setting: SettingPublic
    kind: str  # secret, boolean, integer, enum or string
    nullable: bool
    options: list[Any]
    minimum: int | None
    maximum: int | None

    @classmethod
    def of(cls, setting: SettingPublic) -> SettingField:
        schema = setting.value_schema
        variants = schema.get("anyOf") or [schema]
        nullable = any(v.get("type") == "null" for v in variants)
        main: dict[str, Any] = next((v for v in variants if v.get("type") != "null"), {})
        kind = "secret" if setting.secret else "enum" if "enum" in main else str(main.get("type") or "string")
        if kind not in ("secret", "enum", "boolean", "integer"):
            kind = "string"
        return cls(setting, kind, nullable, list(main.get("enum", [])), main.get("minimum"), main.get("maximum"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` and `/\\evil` are other sites to a browser."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and not target.startswith("/api/"):
        return target
    return "/"


# ----------------------------------------------------------------- sign-in and setup


@router.get("/login")
async def login_page(request: Request, visitor: PageVisitor) -> Response:
    if await setup_needed(request):
        return RedirectResponse("/setup", status_code=303)
    step = request.query_params.get("step")
    if visitor is not None and step != "password":
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return render(
        request, "login.html", user=None, page="login", next=_safe_next(request.query_params.get("next")), step=step
    )


@router.get("/setup", dependencies=[PUBLIC])
async def setup_page(request: Request) -> Response:
    if not await setup_needed(request):
        return RedirectResponse("/login", status_code=303)
    return render(request, "setup.html", user=None, page="setup")


# ----------------------------------------------------------------- library


@router.get("/")
async def dashboard(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    one = PageParams(page=1, page_size=1)
    artists = await artists_service.list_artists(session, ArtistFilter(q=[]), None, one)
    videos = await videos_service.list_videos(session, VideoFilter(), None, one)
    wanted = await videos_service.list_videos(session, VideoFilter(status=[VideoStatus.WANTED.value]), None, one)
    summary = await quality_service.library_summary(session, artist_id=None, per_artist=False)
    recent = await videos_service.list_videos(session, VideoFilter(), "-created_at", PageParams(1, RECENT))
    return render(
        request,
        "dashboard.html",
        user=user,
        page="dashboard",
        artists_total=artists.total,
        videos_total=videos.total,
        wanted_total=wanted.total,
        summary=summary,
        recent=recent.items,
    )


@router.get("/artists")
async def artists_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    q = query.text("q")
    monitored = query.flag("monitored")
    sort = query.sort(ARTIST_SORTS, "name")
    page = query.page(user.page_sizes.get("artists"))
    found = await artists_service.list_artists(
        session, ArtistFilter(q=search_terms(q), monitored=monitored), sort, page
    )
    return render(
        request,
        "artists.html",
        user=user,
        page="artists",
        artists=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        q=q,
        monitored=monitored,
        sort=sort,
        page_sizes=PAGE_SIZES,
    )


@router.get("/artists/{artist_id}")
async def artist_page(request: Request, session: SessionDep, principal: PageReader, artist_id: IdPath) -> Response:
    user = await viewer(session, principal)
    try:
        artist = await artists_service.read_artist(session, artist_id)
    except NotFound:
        return _not_found(request, user, f"There is no artist {artist_id}.")
    query = Query(request)
    sort = query.sort(VIDEO_SORTS, "-year")
    page = query.page(user.page_sizes.get("artist_videos"))
    videos = await videos_service.list_artist_videos(session, artist_id, VideoFilter(artist_id=artist_id), sort, page)
    return render(
        request,
        "artist.html",
        user=user,
        page="artist",
        artist=artist,
        videos=videos.items,
        pager=Pager(page.page, page.page_size, videos.total),
        query=query,
        sort=sort,
        page_sizes=PAGE_SIZES,
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
    sort = query.sort(VIDEO_SORTS, "-created_at")
    page = query.page(user.page_sizes.get("videos"))
    flt = VideoFilter(
        q=search_terms(q),
        status=statuses,
        kind=kinds,
        year_min=year_min,
        year_max=year_max,
        has_file=has_file,
        quality_label=labels,
    )
    found = await videos_service.list_videos(session, flt, sort, page)
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
        sort=sort,
        all_statuses=STATUSES,
        all_kinds=KINDS,
        all_labels=QUALITY_LABELS,
        page_sizes=PAGE_SIZES,
    )


@router.get("/videos/{video_id}")
async def video_page(request: Request, session: SessionDep, principal: PageReader, video_id: IdPath) -> Response:
    user = await viewer(session, principal)
    try:
        video = await videos_service.read_video(session, video_id)
    except NotFound:
        return _not_found(request, user, f"There is no video {video_id}.")
    return render(request, "video.html", user=user, page="video", video=video, editable_fields=EDITABLE_FIELDS)


# ----------------------------------------------------------------- jobs and settings


@router.get("/activity")
async def activity_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    visible = jobs_service.visibility(actor)
    query = Query(request)
    page = query.page(user.page_sizes.get("activity"))
    active = JobFilter(status=ACTIVE_STATUSES, top_level=True, visible=visible)
    queue = await jobs_service.list_jobs(session, active, PageParams(1, 200), with_detail=False)
    history = await jobs_service.list_jobs(
        session, JobFilter(status=TERMINAL_STATUSES, top_level=True, visible=visible), page, with_detail=False
    )
    return render(
        request,
        "activity.html",
        user=user,
        page="activity",
        queue=queue.items,
        history=history.items,
        pager=Pager(page.page, page.page_size, history.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/settings")
async def settings_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    user = await viewer(session, principal)
    roots = await library_service.list_root_folders(session)
    settings = [SettingField.of(s) for s in await settings_service.list_settings(session)] if user.is_admin else []
    return render(request, "settings.html", user=user, page="settings", roots=roots, settings=settings)


# ----------------------------------------------------------------- static files and errors


@router.get("/static/{version}/{name:path}", dependencies=[PUBLIC], response_class=Response)
async def static_file(request: Request, version: str, name: str) -> Response:
    assets: Assets = request.app.state.web_assets
    asset = assets.files.get(name)
    if asset is None:
        raise NotFound(f"no static file {name}")
    # An old version's URL (a page rendered before an upgrade) gets today's file, uncached.
    cache = "public, max-age=31536000, immutable" if version == assets.version else "no-cache"
    headers = {"Cache-Control": cache, "ETag": asset.etag}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _not_found(request: Request, user: Viewer, detail: str) -> Response:
    return render(request, "error.html", user=user, page="error", status_code=404, title="Not found", detail=detail)


async def _on_redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRedirect)
    return RedirectResponse(exc.location, status_code=303, headers={"Cache-Control": "no-store"})


async def _on_forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return render(
        request, "error.html", user=None, page="error", status_code=403, title="Not allowed", detail=exc.detail
    )


def install(app: FastAPI) -> None:
    """Mount the pages and static files on `app`."""
    assets = Assets.load()
    app.state.web_assets = assets
    app.state.web_templates = build_environment(assets)
    app.add_exception_handler(PageRedirect, _on_redirect)
    app.add_exception_handler(PageForbidden, _on_forbidden)
    app.include_router(router)
