"""The web app's installer: mounts the page routers in order, static files, the favicon and the HTML error pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mvidarr.auth.dependencies import PUBLIC
from mvidarr.errors import NotFound
from mvidarr.themes.palettes import stylesheet as themes_stylesheet
from mvidarr.web import (
    account_pages,
    library_pages,
    playback_pages,
    settings_pages,
    system_pages,
    upkeep_pages,
    wanted_pages,
)
from mvidarr.web.access import (
    PageForbidden,
    PageRedirect,
)
from mvidarr.web.assets import Assets
from mvidarr.web.pages import build_environment, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/favicon.ico", dependencies=[PUBLIC])
async def favicon(request: Request) -> Response:
    """Browsers ask for it whatever the page links; the icon is the SVG one."""
    assets: Assets = request.app.state.web_assets
    return RedirectResponse(assets.url("img/favicon.svg"), status_code=308)


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
    for pages in (account_pages, library_pages, wanted_pages, upkeep_pages, system_pages, settings_pages):
        app.include_router(pages.router)
    app.include_router(playback_pages.router)
    app.include_router(router)
