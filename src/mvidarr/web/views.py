"""Page routes. Each reads what its first paint needs through the domain services and renders
one template; the page's ES module adds live updates and actions through the JSON API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mvidarr.api_keys import service as api_keys_service
from mvidarr.artists import service as artists_service
from mvidarr.artists.repository import SORTABLE as ARTIST_SORTABLE
from mvidarr.artists.repository import ArtistFilter
from mvidarr.artwork import service as artwork_service
from mvidarr.audit import service as audit_service
from mvidarr.auth import service as auth_service
from mvidarr.auth.dependencies import PUBLIC
from mvidarr.blocklist import service as blocklist_service
from mvidarr.config import Settings
from mvidarr.db import Database, SessionDep
from mvidarr.discovery import service as discovery_service
from mvidarr.discovery.repository import WANTED_SORTABLE, WantedFilter
from mvidarr.downloads import service as downloads_service
from mvidarr.downloads import updates as ytdlp_updates
from mvidarr.errors import NotFound
from mvidarr.jobs import schedules as schedules_service
from mvidarr.jobs import service as jobs_service
from mvidarr.jobs.repository import JobFilter
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.text import search_terms
from mvidarr.kit.urls import safe_next
from mvidarr.library import duplicates as library_duplicates
from mvidarr.library import files as library_files
from mvidarr.library import service as library_service
from mvidarr.library.files import UNMATCHED_SORTABLE
from mvidarr.metadata import service as metadata_service
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.models.job import ACTIVE_STATUSES, TERMINAL_STATUSES
from mvidarr.models.user import Role
from mvidarr.monitors import service as monitors_service
from mvidarr.notifications import service as notifications_service
from mvidarr.playback.service import plays_in_browsers
from mvidarr.providers.models import PROVIDER_NAMES
from mvidarr.providers.settings import LABELS as PROVIDER_LABELS
from mvidarr.quality import service as quality_service
from mvidarr.quality.repository import CUTOFF_SORTABLE
from mvidarr.quality.schemas import SPONSORBLOCK_CATEGORIES
from mvidarr.search import service as search_service
from mvidarr.search.highlight import marked
from mvidarr.search.sources import KINDS as SEARCH_KINDS
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as settings_service
from mvidarr.settings.schemas import SettingPublic
from mvidarr.sso import service as sso_service
from mvidarr.sso.schemas import SignInOptions
from mvidarr.system import about as system_about
from mvidarr.system import service as system_service
from mvidarr.themes import service as themes_service
from mvidarr.themes.endpoints import ThemeIdPath
from mvidarr.themes.palettes import custom_stylesheet
from mvidarr.themes.palettes import stylesheet as themes_stylesheet
from mvidarr.trash import service as trash_service
from mvidarr.users import service as users_service
from mvidarr.videos import service as videos_service
from mvidarr.videos.endpoints import QUALITY_LABELS
from mvidarr.videos.repository import SORTABLE as VIDEO_SORTABLE
from mvidarr.videos.repository import VideoFilter
from mvidarr.web import playback_pages, settings_sections
from mvidarr.web.access import (
    PageAdmin,
    PageForbidden,
    PageManager,
    PageReader,
    PageRedirect,
    PageVisitor,
    setup_needed,
)
from mvidarr.web.assets import Assets
from mvidarr.web.pages import PAGE_HEADERS, PAGE_SIZES, Pager, Query, Viewer, build_environment, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
VIDEO_SORTS = tuple(VIDEO_SORTABLE)
ARTIST_SORTS = tuple(ARTIST_SORTABLE)
STATUSES = tuple(s.value for s in VideoStatus)
KINDS = tuple(k.value for k in VideoKind)
EDITABLE_FIELDS = ("title", "year", "album", "label", "release_date", "description", "directors")
RECENT = 8
REVIEW_KINDS = ("video", "artist")


@dataclass(frozen=True, slots=True)
class SettingField:
    """How the settings form shows one runtime setting, read from its JSON schema."""

    setting: SettingPublic
    kind: str
    """secret, boolean, integer, number, enum, string; chips (a list of words), choices (an ordered
    pick from a fixed list), map (keys to such lists) or object (named fields): the last four are
    built by the page's script from the value and schema."""
    nullable: bool
    options: list[Any]
    minimum: float | None
    maximum: float | None
    max_length: int | None
    option_labels: dict[Any, str] = dataclass_field(default_factory=dict)

    @property
    def range(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{_number(self.minimum)} to {_number(self.maximum)}"
        if self.minimum is not None:
            return f"at least {_number(self.minimum)}"
        return f"at most {_number(self.maximum)}" if self.maximum is not None else ""

    @classmethod
    def of(cls, setting: SettingPublic) -> SettingField:
        schema = setting.value_schema
        variants = schema.get("anyOf") or [schema]
        nullable = any(v.get("type") == "null" for v in variants)
        main: dict[str, Any] = next((v for v in variants if v.get("type") != "null"), {})
        kind = "secret" if setting.secret else "enum" if "enum" in main else str(main.get("type") or "string")
        if kind == "array":
            items = main.get("items", {})
            kind = "choices" if "enum" in items or "$ref" in items else "chips"
        elif kind == "object":
            kind = "object" if "properties" in main else "map"
        if kind not in ("secret", "enum", "boolean", "integer", "number", "chips", "choices", "map", "object"):
            kind = "string"
        low = main.get("minimum", main.get("exclusiveMinimum"))
        return cls(
            setting,
            kind,
            nullable,
            list(main.get("enum", [])),
            low,
            main.get("maximum"),
            main.get("maxLength"),
        )


def _number(value: float) -> str:
    return f"{value:g}"


# ----------------------------------------------------------------- sign-in and setup


async def sso_options(request: Request) -> SignInOptions:
    db: Database = request.app.state.db
    async with db.reader() as session:
        return await sso_service.sign_in_options(session)


@router.get("/favicon.ico", dependencies=[PUBLIC])
async def favicon(request: Request) -> Response:
    """Browsers ask for it whatever the page links; the icon is the SVG one."""
    assets: Assets = request.app.state.web_assets
    return RedirectResponse(assets.url("img/favicon.svg"), status_code=308)


@router.get("/login")
async def login_page(request: Request, visitor: PageVisitor) -> Response:
    if await setup_needed(request):
        return RedirectResponse("/setup", status_code=303)
    step = request.query_params.get("step")
    if visitor is not None and step != "password":
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    error = request.query_params.get("sso_error")
    return render(
        request, "login.html", user=None, page="login", next=safe_next(request.query_params.get("next")), step=step,
        sso=await sso_options(request), sso_error=error[:300] if error else None,
    )  # fmt: skip


@router.get("/setup", dependencies=[PUBLIC])
async def setup_page(request: Request) -> Response:
    if not await setup_needed(request):
        return RedirectResponse("/login", status_code=303)
    settings: Settings = request.app.state.settings
    return render(
        request,
        "setup.html",
        user=None,
        page="setup",
        library_path=str(settings.library_path),
        default_root_folder=settings.default_root_folder,
    )


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
        all_kinds=KINDS,
        profiles=await quality_service.list_profiles(session) if user.can_edit else [],
        videos=videos.items,
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
        kinds=[kind] if kind else None, page=page, page_size=SEARCH_PAGE_SIZE,
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
        return _not_found(request, user, f"There is no video {video_id}.")
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


QUALITY_CHARTS = (
    ("by_label", "Files by quality"),
    ("by_video_codec", "Video codecs"),
    ("by_audio_codec", "Audio codecs"),
    ("by_container", "Containers"),
    ("by_hdr", "HDR"),
)
CUTOFF_SORTS = tuple(CUTOFF_SORTABLE)
UNMATCHED_SORTS = tuple(UNMATCHED_SORTABLE)


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
    downloads = await downloads_service.queue(session, PageParams(1, 100), with_detail=False)
    finished = await downloads_service.history(session, PageParams(1, 25), video_id=None, outcome=None)
    blocked = await blocklist_service.list_entries(session, PageParams(1, 100), video_id=None)
    return render(
        request,
        "activity.html",
        user=user,
        page="activity",
        downloads=downloads.items,
        download_history=finished.items,
        download_history_total=finished.total,
        blocklist=blocked.items,
        blocklist_total=blocked.total,
        queue=queue.items,
        history=history.items,
        pager=Pager(page.page, page.page_size, history.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/activity/jobs/{job_id}")
async def job_page(request: Request, session: SessionDep, principal: PageReader, job_id: IdPath) -> Response:
    """One job: what it was asked, how it went, why it failed (the traceback for admins) and its log."""
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    try:
        job = await jobs_service.get_visible_job(session, job_id, actor)
    except NotFound:
        return _not_found(request, user, f"There is no job {job_id}.")
    logs = await jobs_service.job_logs(session, job_id, PageParams(1, 500), viewer=actor)
    return render(
        request,
        "job.html",
        user=user,
        page="job",
        job=jobs_service.public(job, with_detail=user.is_admin),
        logs=logs.items,
        logs_total=logs.total,
    )


@router.get("/settings")
async def settings_index(principal: PageManager) -> Response:
    """The first section: root folders and naming, what a new library needs first."""
    return RedirectResponse("/settings/library", status_code=303)


@router.get("/settings/{slug}")
async def settings_page(
    request: Request, session: SessionDep, principal: PageManager, slug: Annotated[str, Path(max_length=40)]
) -> Response:
    user = await viewer(session, principal)
    section = settings_sections.find(slug)
    if section is None:
        return _not_found(request, user, f"There is no settings section {slug!r}.")
    if section.admin_only and not user.is_admin:
        raise PageForbidden(f"The {section.title} settings are for admins.")
    context: dict[str, Any] = {"fields": [], "provider_settings": {}}
    if user.is_admin and (section.prefixes or section.catch_all):
        every = {s.key: SettingField.of(s) for s in await settings_service.list_settings(session)}
        if "quality.default_profile_id" in every:
            # A profile is chosen by name, not typed as an id.
            profiles = await quality_service.list_profiles(session)
            every["quality.default_profile_id"] = replace(
                every["quality.default_profile_id"],
                kind="enum",
                options=[p.id for p in profiles],
                option_labels={p.id: p.name for p in profiles},
            )
        fields = [every[key] for key in settings_sections.keys_of(section, every)]
        if "_providers.html" in section.parts:
            context["provider_settings"] = _provider_groups(fields)
            context["provider_labels"] = PROVIDER_LABELS
            fields = [f for f in fields if not f.setting.key.startswith("providers.")]
        context["fields"] = fields
    parts = set(section.parts)
    if "_roots.html" in parts:
        context["roots"] = await library_service.list_root_folders(session)
    if "_naming.html" in parts:
        context["naming_template"] = await settings_service.get(session, setting_keys.NAMING_TEMPLATE)
    if "_monitors.html" in parts:
        context["monitors"] = (await monitors_service.list_monitors(session, PageParams(1, 200))).items
    if "_schedules.html" in parts:
        context["schedules"] = await schedules_service.list_schedules(session)
    if parts & {"_users.html", "_sso.html"}:
        context["sso_providers"] = await sso_service.list_providers(session, str(request.base_url))
    if parts & {"_users.html", "_keys.html", "_sso.html"}:
        accounts = await users_service.list_users(session, PageParams(1, 200), q=None, role=None, active=None)
        keys = await api_keys_service.list_keys(
            session, PageParams(1, 200), actor=principal, user_id=0, include_revoked=False
        )
        context |= {
            "users": accounts.items,
            "keys": keys.items,
            "usernames": {account.id: account.username for account in accounts.items},
            "all_roles": [role.value for role in Role],
        }
    return render(
        request,
        "settings.html",
        user=user,
        page="settings",
        section=section,
        sections=settings_sections.visible(user.is_admin),
        **context,
    )


def _provider_groups(fields: list[SettingField]) -> dict[str, list[SettingField]]:
    """`providers.<name>.*` by provider, in the registry's order; shared ones under `all`."""
    groups: dict[str, list[SettingField]] = {name: [] for name in PROVIDER_NAMES}
    groups["all"] = []
    for field in fields:
        if not field.setting.key.startswith("providers."):
            continue
        name = field.setting.key.split(".")[1]
        groups[name if name in groups else "all"].append(field)
    return {name: group for name, group in groups.items() if group}


@router.get("/unmatched")
async def unmatched_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    sort = query.sort(UNMATCHED_SORTS, "path")
    page = query.page(user.page_sizes.get("unmatched"))
    found = await library_files.list_unmatched(session, page, root_folder_id=None, sort=sort)
    return render(
        request,
        "unmatched.html",
        user=user,
        page="unmatched",
        files=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        sort=sort,
        page_sizes=PAGE_SIZES,
    )


@router.get("/metadata/review")
async def review_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    kind = (query.choices("kind", REVIEW_KINDS) or [""])[0]
    page = query.page(user.page_sizes.get("review"))
    found = await metadata_service.review_list(session, kind or None, page)
    return render(
        request,
        "review.html",
        user=user,
        page="review",
        reviews=found.items,
        kind=kind,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/trash")
async def trash_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("trash"))
    found = await trash_service.list_entries(session, page, root_folder_id=None)
    return render(
        request,
        "trash.html",
        user=user,
        page="trash",
        entries=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/connect")
async def connect_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    """Notifications (webhooks, Apprise, scripts) and media-server connections; the lists load from the API."""
    user = await viewer(session, principal)
    return render(request, "connect.html", user=user, page="connect", event_types=notifications_service.event_types())


@router.get("/duplicates")
async def duplicates_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    """Groups of videos that are the same, each merged into one from the page."""
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("duplicates") or 25)
    found = await library_duplicates.list_groups(session, page)
    return render(
        request,
        "duplicates.html",
        user=user,
        page="duplicates",
        groups=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


AUDIT_ACTION = re.compile(r"^[a-z_.]{1,64}$")


@router.get("/audit")
async def audit_page(request: Request, session: SessionDep, principal: PageAdmin) -> Response:
    """The audit log for admins: who did what, when and from where; filtered by action."""
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("audit"))
    action = query.text("action", 64)
    found = await audit_service.list_events(
        session, page, user_id=None, action=action if AUDIT_ACTION.match(action) else None, since=None, until=None
    )
    return render(
        request,
        "audit.html",
        user=user,
        page="audit",
        events=found.items,
        action=action,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/system")
async def system_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    recent = await jobs_service.list_jobs(
        session, JobFilter(top_level=True, visible=jobs_service.visibility(actor)), PageParams(1, 20), with_detail=False
    )
    state = request.app.state
    health = await system_service.readiness(state.db, state.settings)
    about = await system_about.about(state.db, state.settings) if user.is_admin else None
    ytdlp = None
    if about is not None:
        python = state.settings.ytdlp_python
        installed = await ytdlp_updates.installed_version(python) if python else about.yt_dlp
        ytdlp = await downloads_service.ytdlp_status(session, installed)
    return render(
        request,
        "system.html",
        user=user,
        page="system",
        health=health,
        about=about,
        ytdlp=ytdlp,
        jobs=recent.items,
        job_types=jobs_service.list_types(),
    )


# ----------------------------------------------------------------- the signed-in user


@router.get("/profile")
async def profile_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    keys = await api_keys_service.list_keys(
        session, PageParams(1, 200), actor=principal, user_id=None, include_revoked=False
    )
    return render(
        request,
        "profile.html",
        user=user,
        page="profile",
        me=await auth_service.me(session, principal),
        themes=await themes_service.list_themes(session, principal),
        sessions=await auth_service.list_sessions(session, principal),
        keys=keys.items,
        roles=[role.value for role in Role if principal.role.at_least(role)],
    )


@router.get("/themes/{theme_id}.css", response_class=Response)
async def custom_theme_css(session: SessionDep, principal: PageReader, theme_id: ThemeIdPath) -> Response:
    palette = await themes_service.custom_palette(session, principal, theme_id)
    if palette is None:
        raise NotFound(f"you have no custom theme {theme_id}")
    return Response(custom_stylesheet(theme_id, palette), media_type="text/css; charset=utf-8", headers=PAGE_HEADERS)


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


_NOT_PAGES = ("/api/", "/static/", "/ws", "/metrics", "/themes/")


def _page_not_found(api_handler: Any) -> Any:
    """Unknown page URLs get an HTML page a browser can show; API URLs keep their problem document."""

    async def handler(request: Request, exc: Exception) -> Response:
        wants_page = "text/html" in request.headers.get("accept", "")
        if (
            isinstance(exc, StarletteHTTPException)
            and exc.status_code == 404
            and wants_page
            and not request.url.path.startswith(_NOT_PAGES)
        ):
            return render(
                request,
                "error.html",
                user=None,
                page="error",
                status_code=404,
                title="Page not found",
                detail=f"There is no page at {request.url.path}.",
            )
        response: Response = await api_handler(request, exc)
        return response

    return handler


def install(app: FastAPI) -> None:
    """Mount the pages and static files on `app`."""
    assets = Assets.load(generated={"css/themes.css": themes_stylesheet().encode()})
    app.state.web_assets = assets
    app.state.web_templates = build_environment(assets)
    app.add_exception_handler(PageRedirect, _on_redirect)
    app.add_exception_handler(PageForbidden, _on_forbidden)
    app.add_exception_handler(StarletteHTTPException, _page_not_found(app.exception_handlers[StarletteHTTPException]))
    app.include_router(router)
    app.include_router(playback_pages.router)
