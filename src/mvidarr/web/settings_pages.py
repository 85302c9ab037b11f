"""Settings sections (one page each) and the Connect page (notifications and media servers)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mvidarr.api_keys import service as api_keys_service
from mvidarr.db import SessionDep
from mvidarr.imports import lists as import_lists
from mvidarr.jobs import schedules as schedules_service
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.library import service as library_service
from mvidarr.models.user import Role
from mvidarr.monitors import service as monitors_service
from mvidarr.notifications import service as notifications_service
from mvidarr.providers.models import PROVIDER_NAMES
from mvidarr.providers.settings import LABELS as PROVIDER_LABELS
from mvidarr.quality import service as quality_service
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as settings_service
from mvidarr.settings.schemas import SettingPublic
from mvidarr.sso import providers as sso_providers
from mvidarr.users import service as users_service
from mvidarr.web import settings_sections
from mvidarr.web.access import (
    PageForbidden,
    PageManager,
)
from mvidarr.web.pages import (
    not_found,
    render,
    viewer,
)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


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
        return not_found(request, user, f"There is no settings section {slug!r}.")
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
    if "_import_lists.html" in parts:
        context["import_lists"] = await import_lists.list_lists(session)
    if "_schedules.html" in parts:
        context["schedules"] = await schedules_service.list_schedules(session)
    if parts & {"_users.html", "_sso.html"}:
        context["sso_providers"] = await sso_providers.list_providers(session, str(request.base_url))
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


@router.get("/connect")
async def connect_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    """Notifications (webhooks, Apprise, scripts) and media-server connections; the lists load from the API."""
    user = await viewer(session, principal)
    return render(request, "connect.html", user=user, page="connect", event_types=notifications_service.event_types())
