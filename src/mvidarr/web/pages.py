"""Rendering: the Jinja environment, the layout's context, and list-page query parsing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr import __version__
from mvidarr.auth import account as auth_account
from mvidarr.auth.guard import Principal
from mvidarr.errors import Unauthorized
from mvidarr.kit.pagination import MAX_PAGE_SIZE, PageParams
from mvidarr.models.user import Role
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as settings_service
from mvidarr.themes import service as themes_service
from mvidarr.web.access import PageRedirect
from mvidarr.web.assets import Assets

TEMPLATES = Path(__file__).parent / "templates"
PAGE_HEADERS = {"Cache-Control": "no-cache, private"}
PAGE_SIZES = (25, 50, 100, 200)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def build_environment(assets: Assets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # JSON handed to scripts keeps its order (a setting's fields show in the model's order).
    env.policies["json.dumps_kwargs"] = {"sort_keys": False}
    env.globals["asset"] = assets.url
    env.globals["version"] = __version__
    env.filters["duration"] = _duration
    env.filters["size"] = _size
    return env


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user as the layout shows them."""

    username: str
    role: str
    theme: str
    can_edit: bool  # manager and above: library changes
    can_run: bool  # user and above: start, cancel and retry jobs
    is_admin: bool
    page_sizes: Mapping[str, int]
    themes: tuple[ThemeOption, ...]


@dataclass(frozen=True, slots=True)
class ThemeOption:
    id: str
    name: str
    base: str
    builtin: bool


async def viewer(session: AsyncSession, principal: Principal) -> Viewer:
    try:
        preferences = await auth_account.get_preferences(session, principal)
    except Unauthorized:  # a valid token of an account deleted or deactivated since
        raise PageRedirect("/login") from None
    default_theme: str = await settings_service.get(session, setting_keys.DEFAULT_THEME)
    theme = preferences.theme or default_theme
    themes = tuple(
        ThemeOption(t.id, t.name, t.base, t.builtin) for t in await themes_service.list_themes(session, principal)
    )
    return Viewer(
        username=principal.username,
        role=principal.role.value,
        theme=theme,
        can_edit=principal.at_least(Role.MANAGER),
        can_run=principal.at_least(Role.USER),
        is_admin=principal.at_least(Role.ADMIN),
        page_sizes=preferences.page_sizes,
        themes=themes,
    )


def render(
    request: Request, template: str, *, user: Viewer | None, page: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    env: Environment = request.app.state.web_templates
    theme = user.theme if user else "system"
    base = next((t.base for t in user.themes if t.id == theme), "") if user else ""
    html = env.get_template(template).render(
        user=user, page=page, path=request.url.path, theme=theme, theme_base=base, **context
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def not_found(request: Request, user: Viewer, detail: str) -> HTMLResponse:
    """The HTML 404 of a page whose record (artist, video, job, section) does not exist."""
    return render(request, "error.html", user=user, page="error", status_code=404, title="Not found", detail=detail)


def json_list(items: Sequence[BaseModel]) -> str:
    """Schemas as one JSON array, for a page script's first paint (a `data-` attribute, escaped by Jinja)."""
    return "[" + ",".join(item.model_dump_json() for item in items) + "]"


class Query:
    """A list page's query string, read leniently: a bad value falls back to the default,
    so a hand-edited URL shows the page instead of an error document."""

    def __init__(self, request: Request) -> None:
        self.params = request.query_params

    def text(self, name: str, limit: int = 200) -> str:
        return (self.params.get(name) or "").strip()[:limit]

    def integer(self, name: str, low: int, high: int) -> int | None:
        try:
            value = int(self.params.get(name) or "")
        except ValueError:
            return None
        return value if low <= value <= high else None

    def flag(self, name: str) -> bool | None:
        return {"true": True, "false": False}.get(self.params.get(name) or "")

    def choices(self, name: str, allowed: tuple[str, ...] | list[str]) -> list[str]:
        return [value for value in self.params.getlist(name) if value in allowed]

    def sort(self, allowed: tuple[str, ...], default: str) -> str:
        value = self.params.get("sort") or default
        return value if value.lstrip("-") in allowed else default

    def page(self, preferred: int | None) -> PageParams:
        size = self.integer("page_size", 1, MAX_PAGE_SIZE) or preferred or 50
        return PageParams(page=self.integer("page", 1, 1_000_000) or 1, page_size=size)

    def url(self, path: str, **changes: object) -> str:
        """This query with some parameters replaced (None removes one); lists accept repeated keys."""
        pairs: list[tuple[str, str]] = [(k, v) for k, v in self.params.multi_items() if k not in changes]
        for key, value in changes.items():
            if value is None or value == "":
                continue
            if isinstance(value, list | tuple):
                pairs.extend((key, str(v)) for v in value)
            else:
                pairs.append((key, str(value)))
        return f"{path}?{urlencode(pairs)}" if pairs else path


@dataclass(frozen=True, slots=True)
class Pager:
    """Numbers for a page's pager."""

    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.page_size + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.page * self.page_size)
