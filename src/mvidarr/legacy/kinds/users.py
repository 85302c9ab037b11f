"""0.9.7 users (without passwords: an admin resets them) and their custom themes."""

from __future__ import annotations

import re
import secrets
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from mvidarr.kit.text import fold
from mvidarr.legacy import shapes
from mvidarr.legacy.importer import Importer
from mvidarr.models import User
from mvidarr.models.user import Role
from mvidarr.themes.schemas import MAX_CUSTOM_THEMES, ThemeDocument, custom_id

THEME_COLOURS = {
    "bg": ("--bg-primary",),
    "surface": ("--bg-secondary", "--sidebar-bg"),
    "surface_2": ("--bg-tertiary", "--bg-secondary"),
    "text": ("--text-primary",),
    "muted": ("--text-secondary", "--text-muted"),
    "border": ("--border-primary", "--input-border"),
    "accent": ("--btn-primary-bg", "--text-accent"),
    "accent_text": ("--btn-primary-text", "--text-inverse"),
    "link": ("--text-accent", "--btn-primary-bg"),
    "danger": ("--error", "--error-color"),
    "ok": ("--success",),
    "warn": ("--warning",),
    "focus": ("--input-focus", "--text-accent", "--btn-primary-bg"),
}


async def import_users(importer: Importer) -> None:
    pattern = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{1,63}")
    for row in importer.data.rows("users"):
        legacy_id = row["id"]
        username = str(row.get("username") or "").strip()
        done, _ = importer.linked("user", legacy_id)
        if done:
            importer.count("users", "unchanged")
            continue
        if not pattern.fullmatch(username) or len(username) > 64:
            importer.count("users", "skipped", legacy_id, username, "username not valid here")
            importer.link("user", legacy_id, None)
            continue
        key = fold(username)
        existing = await importer.session.scalar(select(User.id).where(User.username_key == key))
        if existing is not None:
            importer.count("users", "linked", legacy_id, username, "a user of this name exists here: kept as it is")
            importer.link("user", legacy_id, existing)
            continue
        role = str(row.get("role") or "USER").lower()
        role = role if role in {r.value for r in Role} else Role.READONLY.value
        # Nobody knows this password: the account cannot sign in until an admin resets it.
        unusable = await importer.hash_password(secrets.token_urlsafe(32))
        user = User(
            username=username,
            username_key=key,
            email=shapes.clean_text(row.get("email"), 320),
            password_hash=unusable,
            role=role,
            active=shapes.flag(row.get("is_active"), True),
            must_change_password=True,
        )
        importer.session.add(user)
        await importer.session.flush()
        reason = (
            "2FA was on in 0.9.7: reset, to be set up again"
            if shapes.flag(row.get("two_factor_enabled"), False)
            else None
        )
        importer.count("users", "imported", legacy_id, username, reason)
        importer.report.users_to_set_password.append(username)
        importer.link("user", legacy_id, user.id)


async def import_themes(importer: Importer) -> None:
    for row in importer.data.rows("custom_themes"):
        legacy_id, name = row["id"], str(row.get("display_name") or row.get("name") or "")
        done, _ = importer.linked("theme", legacy_id)
        if done:
            importer.count("themes", "unchanged")
            continue
        reason = await _theme(importer, row, name)
        if reason is None:
            importer.count("themes", "imported", legacy_id, name)
        elif reason.startswith("linked:"):
            importer.count("themes", "linked", legacy_id, name, reason.removeprefix("linked:"))
        else:
            importer.count("themes", "skipped", legacy_id, name, reason)
        importer.link("theme", legacy_id, None)


async def _theme(importer: Importer, row: dict[str, Any], name: str) -> str | None:
    if shapes.flag(row.get("is_built_in"), False):
        return "one of 0.9.7's built-in themes"
    _, owner = importer.linked("user", row.get("created_by"))
    if owner is None:
        return "its creator is not a user here"
    variables = shapes.json_object(row.get("theme_data")) or {}
    colours: dict[str, str] = {}
    for ours, theirs in THEME_COLOURS.items():
        value = next((str(variables[v]).strip() for v in theirs if variables.get(v)), None)
        if value is None:
            return f"no colour for {ours}"
        colours[ours] = value
    try:
        doc = ThemeDocument.model_validate(
            {"name": name[:40] or "0.9.7 theme", "base": _base(colours["bg"]), "colors": colours}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"colours not usable here ({first['msg'][:80]})"
    user = await importer.session.get(User, owner)
    if user is None:
        return "its creator is not a user here"
    preferences = dict(user.preferences or {})
    themes = list(preferences.get("custom_themes") or [])
    if any(custom_id(str(t.get("name", ""))) == custom_id(doc.name) for t in themes if isinstance(t, dict)):
        return "linked:its creator has a theme of this name: kept"
    if len(themes) >= MAX_CUSTOM_THEMES:
        return f"its creator has {MAX_CUSTOM_THEMES} custom themes already"
    preferences["custom_themes"] = [*themes, doc.model_dump(mode="json")]
    user.preferences = preferences
    await importer.session.flush()
    return None


def _base(colour: str) -> str:
    value = colour.lstrip("#")
    try:
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "dark"
    return "light" if (0.2126 * r + 0.7152 * g + 0.0722 * b) > 128 else "dark"
