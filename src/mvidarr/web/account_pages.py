"""Pages of signing in and of the signed-in user: login, first-run setup, the profile and its custom theme."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mvidarr.api_keys import service as api_keys_service
from mvidarr.auth import account as auth_account
from mvidarr.auth.dependencies import PUBLIC
from mvidarr.config import Settings
from mvidarr.db import Database, SessionDep
from mvidarr.errors import NotFound
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.urls import safe_next
from mvidarr.models.user import Role
from mvidarr.sso import providers as sso_providers
from mvidarr.sso.schemas import SignInOptions
from mvidarr.themes import service as themes_service
from mvidarr.themes.endpoints import ThemeIdPath
from mvidarr.themes.palettes import custom_stylesheet
from mvidarr.web.access import (
    PageReader,
    PageVisitor,
    setup_needed,
)
from mvidarr.web.pages import PAGE_HEADERS, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


async def sso_options(request: Request) -> SignInOptions:
    db: Database = request.app.state.db
    async with db.reader() as session:
        return await sso_providers.sign_in_options(session)


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
        me=await auth_account.me(session, principal),
        themes=await themes_service.list_themes(session, principal),
        sessions=await auth_account.list_sessions(session, principal),
        keys=keys.items,
        roles=[role.value for role in Role if principal.role.at_least(role)],
    )


@router.get("/themes/{theme_id}.css", response_class=Response)
async def custom_theme_css(session: SessionDep, principal: PageReader, theme_id: ThemeIdPath) -> Response:
    palette = await themes_service.custom_palette(session, principal, theme_id)
    if palette is None:
        raise NotFound(f"you have no custom theme {theme_id}")
    return Response(custom_stylesheet(theme_id, palette), media_type="text/css; charset=utf-8", headers=PAGE_HEADERS)
