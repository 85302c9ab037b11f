"""Custom themes live in the user's preferences (`custom_themes`), so they need no table of their own."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.guard import Principal
from mvidarr.errors import Conflict, NotFound, Unauthorized
from mvidarr.models.user import User
from mvidarr.themes.palettes import BUILTIN, BY_ID, Palette
from mvidarr.themes.schemas import MAX_CUSTOM_THEMES, ThemeColors, ThemeDocument, ThemePublic, custom_id


async def _user(session: AsyncSession, principal: Principal) -> User:
    user = await session.get(User, principal.user_id)
    if user is None or not user.active:
        raise Unauthorized("this account no longer exists or is deactivated")
    return user


def stored_themes(preferences: dict[str, Any]) -> list[ThemeDocument]:
    """The user's custom themes; one that no longer validates (rules got stricter) is left out."""
    themes = []
    for raw in preferences.get("custom_themes") or []:
        try:
            themes.append(ThemeDocument.model_validate(raw))
        except ValidationError:
            continue
    return themes


def _public(palette: Palette, *, builtin: bool) -> ThemePublic:
    return ThemePublic(
        id=palette.id, name=palette.name, base=palette.base, builtin=builtin, colors=dict(palette.colors)
    )


async def list_themes(session: AsyncSession, principal: Principal) -> list[ThemePublic]:
    user = await _user(session, principal)
    mine = [_public(doc.palette(), builtin=False) for doc in stored_themes(user.preferences or {})]
    return [_public(p, builtin=True) for p in BUILTIN] + mine


async def custom_palette(session: AsyncSession, principal: Principal, theme_id: str) -> Palette | None:
    user = await _user(session, principal)
    return next((d.palette() for d in stored_themes(user.preferences or {}) if custom_id(d.name) == theme_id), None)


async def export_theme(session: AsyncSession, principal: Principal, theme_id: str) -> ThemeDocument:
    if theme_id in BY_ID:
        palette = BY_ID[theme_id]
        return ThemeDocument(
            name=palette.name, base=palette.base, colors=ThemeColors.model_validate(dict(palette.colors))
        )
    user = await _user(session, principal)
    for doc in stored_themes(user.preferences or {}):
        if custom_id(doc.name) == theme_id:
            return doc
    raise NotFound(f"no theme {theme_id}")


async def import_theme(session: AsyncSession, principal: Principal, doc: ThemeDocument) -> ThemePublic:
    user = await _user(session, principal)
    preferences = dict(user.preferences or {})
    themes = stored_themes(preferences)
    theme_id = custom_id(doc.name)
    if any(custom_id(t.name) == theme_id for t in themes):
        raise Conflict(f"you already have a theme {theme_id}; delete it first or choose another name")
    if len(themes) >= MAX_CUSTOM_THEMES:
        raise Conflict(f"at most {MAX_CUSTOM_THEMES} custom themes")
    preferences["custom_themes"] = [t.model_dump() for t in [*themes, doc]]
    user.preferences = preferences
    await session.flush()
    return _public(doc.palette(), builtin=False)


async def delete_theme(session: AsyncSession, principal: Principal, theme_id: str) -> None:
    """Deletes a custom theme; a user who had it chosen falls back to the server's default."""
    if theme_id in BY_ID or theme_id == "system":
        raise Conflict("built-in themes cannot be deleted")
    user = await _user(session, principal)
    preferences = dict(user.preferences or {})
    themes = stored_themes(preferences)
    kept = [t for t in themes if custom_id(t.name) != theme_id]
    if len(kept) == len(themes):
        raise NotFound(f"no theme {theme_id}")
    preferences["custom_themes"] = [t.model_dump() for t in kept]
    if preferences.get("theme") == theme_id:
        preferences["theme"] = None
    user.preferences = preferences
    await session.flush()
