from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from mvidarr.auth.dependencies import Reader
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.themes import service
from mvidarr.themes.schemas import THEME_ID_PATTERN, ThemeDocument, ThemePublic

router = APIRouter(prefix="/themes", tags=["themes"])
ThemeIdPath = Annotated[str, Path(pattern=THEME_ID_PATTERN, description="Theme id, e.g. `lcars` or `custom-neon`.")]


@router.get(
    "",
    response_model=list[ThemePublic],
    summary="List themes",
    description="The built-in themes and your custom ones. Choose one with PATCH /auth/me/preferences `theme`.",
    responses=error_responses(401, 403),
)
async def list_themes(session: SessionDep, caller: Reader) -> list[ThemePublic]:
    return await service.list_themes(session, caller)


@router.post(
    "",
    response_model=ThemePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Import a custom theme",
    description="A theme document (as export answers). Every colour is `#rrggbb`; text, links, muted text "
    "and status colours must reach WCAG AA contrast (4.5:1) on the surfaces they are drawn on, the "
    "focus ring 3:1. The id is derived from the name; names are unique per user.",
    responses=error_responses(400, 401, 403, 409, 422),
)
async def import_theme(session: SessionDep, caller: Reader, body: ThemeDocument) -> ThemePublic:
    return await service.import_theme(session, caller, body)


@router.get(
    "/{theme_id}",
    response_model=ThemeDocument,
    summary="Export a theme",
    description="The theme as a JSON document that POST /themes accepts; built-in themes too, as a start.",
    responses=error_responses(401, 403, 404, 422),
)
async def export_theme(session: SessionDep, caller: Reader, theme_id: ThemeIdPath) -> ThemeDocument:
    return await service.export_theme(session, caller, theme_id)


@router.delete(
    "/{theme_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a custom theme",
    description="If it was your theme, you fall back to the server's default theme.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def delete_theme(session: SessionDep, caller: Reader, theme_id: ThemeIdPath) -> None:
    await service.delete_theme(session, caller, theme_id)
