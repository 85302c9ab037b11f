"""The application factory: `create_app()` builds the FastAPI app; its lifespan owns the resources."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import compile_path

from mvidarr import __version__
from mvidarr.api_keys.endpoints import router as api_keys_router
from mvidarr.artists.endpoints import router as artists_router
from mvidarr.artwork.endpoints import UPLOAD_BODY_LIMIT, UPLOAD_PATH
from mvidarr.artwork.endpoints import router as artwork_router
from mvidarr.audit.endpoints import router as audit_router
from mvidarr.auth import first_admin
from mvidarr.auth.browser import ForwardedHeadersMiddleware, SecurityHeadersMiddleware
from mvidarr.auth.endpoints import router as auth_router
from mvidarr.auth.guard import API_KEY_HEADER, CSRF_HEADER, Guard
from mvidarr.auth.openapi import check_access, document_security
from mvidarr.backups.endpoints import UPLOAD_BODY_LIMIT as BACKUP_UPLOAD_LIMIT
from mvidarr.backups.endpoints import UPLOAD_PATH as BACKUP_UPLOAD_PATH
from mvidarr.backups.endpoints import router as backups_router
from mvidarr.blocklist.endpoints import router as blocklist_router
from mvidarr.config import Settings
from mvidarr.connections.endpoints import router as connections_router
from mvidarr.db import Database
from mvidarr.discovery.endpoints import calendar_router, ical_router, wanted_router
from mvidarr.discovery.endpoints import router as discovery_router
from mvidarr.downloads.endpoints import router as downloads_router
from mvidarr.errors import PROBLEM_MEDIA_TYPE, VALIDATION_DESCRIPTION, Problem, install_error_handlers
from mvidarr.events.endpoints import router as events_router
from mvidarr.events.hub import EventHub
from mvidarr.genres.endpoints import router as genres_router
from mvidarr.imports.endpoints import router as imports_router
from mvidarr.jobs.endpoints import router as jobs_router
from mvidarr.jobs.endpoints import schedules_router
from mvidarr.jobs.runtime import job_system
from mvidarr.kit.lifetime import SUPERVISOR_ENV, die_with_parent
from mvidarr.kit.limits import BodyLimitMiddleware
from mvidarr.legacy.endpoints import router as legacy_router
from mvidarr.library import service as root_folders
from mvidarr.library.bulk_endpoints import router as bulk_edit_router
from mvidarr.library.duplicate_endpoints import router as duplicates_router
from mvidarr.library.endpoints import library_router
from mvidarr.library.endpoints import router as root_folders_router
from mvidarr.logs import RequestIdMiddleware, configure_logging
from mvidarr.metadata.endpoints import lookup_router as artist_lookup_router
from mvidarr.metadata.endpoints import router as metadata_router
from mvidarr.metrics import service as metrics_service
from mvidarr.metrics.endpoints import router as metrics_router
from mvidarr.metrics.process import ProcessMetrics, multiprocess_dir
from mvidarr.monitors.endpoints import router as monitors_router
from mvidarr.notifications.endpoints import router as notifications_router
from mvidarr.organise.endpoints import router as organise_router
from mvidarr.playback.endpoints import router as playback_router
from mvidarr.playback.responses import TranscodeSlots
from mvidarr.playback.subtitle_endpoints import router as subtitles_router
from mvidarr.playlists.endpoints import router as playlists_router
from mvidarr.providers.endpoints import router as providers_router
from mvidarr.providers.hub import provider_hub
from mvidarr.quality import service as quality_service
from mvidarr.quality.endpoints import profiles_router as quality_profiles_router
from mvidarr.quality.endpoints import router as video_quality_router
from mvidarr.saved_searches.endpoints import router as saved_searches_router
from mvidarr.search.endpoints import router as search_router
from mvidarr.settings.endpoints import router as settings_router
from mvidarr.settings.registry import changes_schema
from mvidarr.sso.endpoints import router as sso_router
from mvidarr.sso.oidc import OidcClient
from mvidarr.system import recovery
from mvidarr.system.docs import router as docs_router
from mvidarr.system.endpoints import router as health_router
from mvidarr.system.endpoints import system_router
from mvidarr.system.logs_endpoints import router as system_logs_router
from mvidarr.themes.endpoints import router as themes_router
from mvidarr.trash.endpoints import router as trash_router
from mvidarr.users.endpoints import router as users_router
from mvidarr.videos.endpoints import router as videos_router
from mvidarr.watch.endpoints import router as watch_router
from mvidarr.watch.progress import progress_buffer
from mvidarr.web import views as web_views

API_PREFIX = "/api/v1"
METRICS_SAMPLE_S = 5.0
MAX_JSON_BODY = 1024 * 1024
DESCRIPTION = """MVidarr manages music video collections: artists, videos, files and their quality.

Errors are RFC 9457 problem documents (`application/problem+json`). Lists page with
`page` and `page_size` (at most 500) and sort with `sort=field` or `sort=-field`."""


# Their routes are listed on the app itself (`_add_api_routes`), in this order, which is the order
# a request is matched in: the library's reads, the most requested, come first. Only matching
# decides the order (no test depends on it: the route-rules walk keeps an order of its own).
API_ROUTERS: tuple[APIRouter, ...] = (
    videos_router,
    # Players report progress every few seconds, the most frequent write (decision 0059); listed
    # last, each report was tried against ~190 other routes first.
    watch_router,
    # Before the artists routes: `/artists/lookup` must not be taken for an artist id.
    artist_lookup_router,
    artists_router,
    search_router,
    saved_searches_router,
    health_router,
    playback_router,
    artwork_router,
    genres_router,
    root_folders_router,
    settings_router,
    auth_router,
    sso_router,
    themes_router,
    users_router,
    api_keys_router,
    audit_router,
    jobs_router,
    schedules_router,
    events_router,
    library_router,
    organise_router,
    metadata_router,
    video_quality_router,
    quality_profiles_router,
    providers_router,
    discovery_router,
    wanted_router,
    calendar_router,
    ical_router,
    monitors_router,
    imports_router,
    trash_router,
    duplicates_router,
    bulk_edit_router,
    system_router,
    system_logs_router,
    backups_router,
    legacy_router,
    downloads_router,
    blocklist_router,
    playlists_router,
    subtitles_router,
    notifications_router,
    connections_router,
)


def _add_api_routes(app: FastAPI, router: APIRouter) -> None:
    """Every route of `router` on the app itself, under API_PREFIX (decision 0051).

    Not `include_router`: FastAPI keeps an included router as one entry, matches a request against
    its routes once to choose it and again inside it, with bookkeeping for every route tried; that
    was a fifth of a video detail's time. A route at the top level is matched once, by its regex.

    Each route is the router's own, copied with `copy.copy` and its path set again through
    `_prefixed`: every setting it was declared with comes along (nothing is listed by hand), and
    the copy shares the router's dependency analysis and response models instead of building them
    again (8 MiB and most of an app's construction). tests/test_routes.py holds each copy to the
    route FastAPI itself would build for the prefixed path.
    """
    for route in router.routes:
        if isinstance(route, APIRoute | APIWebSocketRoute):
            app.router.routes.append(_prefixed(route, API_PREFIX))
        else:  # a nested router or a mount: its routes would be matched the slow way
            raise TypeError(f"{route!r} in an API router: add its routes to the router itself")


def _prefixed(route: APIRoute | APIWebSocketRoute, prefix: str) -> APIRoute | APIWebSocketRoute:
    """A copy of `route` at `prefix + route.path`; what FastAPI derives from the path is derived again."""
    copied = copy.copy(route)
    copied.path = prefix + route.path
    copied.path_regex, copied.path_format, copied.param_convertors = compile_path(copied.path)
    if isinstance(copied, APIRoute):
        generate = copied.generate_unique_id_function
        if isinstance(generate, DefaultPlaceholder):
            generate = generate.value
        copied.unique_id = copied.operation_id or generate(copied)
    return copied


def _freeze_startup_objects() -> None:
    """Keep what start-up made (modules, routes, models: most of the heap) out of the garbage
    collector's full passes. Those passes walk every tracked object; under load they came every
    second or so and took up to 80 ms each, the tail of every latency. Only for an app that owns
    its process's lifetime: tests build many apps in one process and let each go."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def _sampling(metrics: ProcessMetrics, db: Database, events: EventHub) -> AsyncIterator[None]:
    """In multiprocess mode, refresh this process's gauges every few seconds: a scrape reaches one
    process, which reads the others' values from the shared files."""
    if not metrics.multiprocess_path:
        yield
        return

    async def refresh() -> None:
        while True:
            metrics.sample(metrics_service.process_sample(db, events))
            await asyncio.sleep(METRICS_SAMPLE_S)

    task = asyncio.create_task(refresh(), name="mvidarr-metrics-sample")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _lifespan(settings: Settings, database: Database | None) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        db = database or Database.connect(
            settings.database, pool_size=settings.db_pool_size, pg_schema=settings.database_schema
        )
        app.state.db = db
        guard: Guard = app.state.auth
        guard.db = db
        try:
            await first_admin.ensure_initial_admin(db, guard, settings)
            await quality_service.ensure_default_profiles(db)
            await root_folders.ensure_default_root_folder(db, settings)
            await recovery.recover(db)
            async with (
                provider_hub(db, settings) as providers,
                job_system(db, settings, providers=providers) as jobs,
            ):
                app.state.providers = providers
                app.state.events = jobs.events
                guard.events = jobs.events
                jobs.events.add_listener(guard.on_event)
                app.state.clock = jobs.clock
                app.state.runner = jobs.runner
                if owned:
                    _freeze_startup_objects()
                # Closed before the jobs and the database: its last flush writes the buffered positions.
                async with (
                    progress_buffer(db, settings.progress_flush_s) as progress,
                    _sampling(app.state.metrics, db, jobs.events),
                ):
                    app.state.progress = progress
                    yield
        finally:
            guard.events = None
            app.state.metrics.close()
            guard.close()
            if owned:
                await db.dispose()

    return lifespan


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answer pointing at the Problem schema."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(Problem.model_json_schema(ref_template="#/components/schemas/{model}")["$defs"])
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem.pop("$defs", None)
    components["Problem"] = problem
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/Problem"}
    document_security(schema, app.routes)
    settings_patch = schema.get("paths", {}).get("/api/v1/settings", {}).get("patch")
    if settings_patch is not None:
        body = settings_patch["requestBody"]["content"]["application/json"]
        body["schema"] = {**changes_schema(components), "description": body["schema"].get("description", "")}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and "Readiness" not in str(response):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
                    if status == "422":
                        response["description"] = VALIDATION_DESCRIPTION
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings and database; `serve` passes neither."""
    supervisor = os.environ.get(SUPERVISOR_ENV, "")
    if supervisor.isdigit() and int(supervisor) != os.getpid():
        # An API process of `serve --workers N`: it gets SIGTERM (a clean shutdown) when the process
        # that started it dies, instead of serving on under PID 1.
        die_with_parent(int(supervisor), signal.SIGTERM)
    settings = settings or Settings()
    configure_logging(settings.log_level, json_lines=settings.log_json, buffer_records=settings.log_buffer_records)
    app = FastAPI(
        title="MVidarr",
        version=__version__,
        description=DESCRIPTION,
        # Served by mvidarr.system.docs, as public routes with their own CSP.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # MVidarr exports its own Prometheus metrics; FastAPI's OpenTelemetry layer costs
        # time on every request for providers nobody configured.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        lifespan=_lifespan(settings, database),
    )
    app.state.settings = settings
    app.state.transcode_slots = TranscodeSlots(settings.max_transcodes)
    app.state.metrics = ProcessMetrics(multiprocess_path=multiprocess_dir())
    if settings.secret_key is None:
        settings.prepare_data_dir()  # the generated secret lives there
    app.state.auth = Guard.create(settings, settings.resolve_secret_key())
    app.state.oidc = OidcClient()
    install_error_handlers(app, access_check=check_access)
    # /metrics first, at the top level: a scrape is matched by its regex at once, not after every
    # API route was tried (~0.4 ms of its CPU, issue 24); its path overlaps none of theirs.
    app.router.routes.extend(metrics_router.routes)
    for router in API_ROUTERS:
        _add_api_routes(app, router)
    app.include_router(docs_router)
    web_views.install(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=MAX_JSON_BODY,
        path_limits=[(UPLOAD_PATH, UPLOAD_BODY_LIMIT), (BACKUP_UPLOAD_PATH, BACKUP_UPLOAD_LIMIT)],
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", API_KEY_HEADER, CSRF_HEADER, "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware, on_response=app.state.metrics.observe_request)
    if settings.trusted_proxies:
        app.add_middleware(ForwardedHeadersMiddleware, trusted=settings.trusted_proxies)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
