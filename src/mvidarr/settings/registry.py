"""The runtime settings MVidarr knows: key, type, default, and whether the value is secret.

Runtime settings live in the database and are edited in the UI without a restart; process
settings (`mvidarr.config`) are read from the environment once at start.

Each setting is a typed key: `define` returns a `SettingDefinition[T]` that code keeps as a module
constant (`NAMING_TEMPLATE: SettingDefinition[str] = define(...)`) and reads with
`mvidarr.settings.service.get(session, NAMING_TEMPLATE) -> str`, validated by the key's own type;
no caller looks a value up by its string or casts it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import AfterValidator, Field, StringConstraints, TypeAdapter

from mvidarr.kit.networks import valid_networks
from mvidarr.kit.schemas import Clean, content, limit
from mvidarr.models.user import Role
from mvidarr.organise.naming import BRACKET_RULE, DEFAULT_TEMPLATE, valid_template
from mvidarr.themes.schemas import BuiltinTheme

# Covariant: a key of `int` may be read where an `int | None` is wanted.
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True, slots=True, eq=False)
class SettingDefinition(Generic[T_co]):
    """A runtime setting's key: its name, the type of its value (`T_co`; `type_` adds the constraints)
    and its default. Compared and hashed by identity; `str()` gives the key, for messages."""

    key: str
    type_: Any
    default: Any
    """As stored (JSON form); the typed read validates it like a stored value."""
    description: str
    """Help text shown under the field."""
    secret: bool = False
    label: str = ""
    """The setting's name for people, e.g. 'Downloads at once'."""
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.type_))
        if not self.label:
            object.__setattr__(self, "label", humanised(self.key))

    def json_schema(self) -> dict[str, Any]:
        return self.adapter.json_schema()

    def __str__(self) -> str:
        return self.key


REGISTRY: dict[str, SettingDefinition[Any]] = {}


class OutboundUrl:
    """Marks a setting whose value is a URL MVidarr fetches (a provider's API, a package index): a new
    value passes the outbound-network policy when it is saved, as every URL a user gives does."""


OUTBOUND = OutboundUrl()


def is_outbound(definition: SettingDefinition[Any]) -> bool:
    """Whether the setting's type carries the OutboundUrl mark (also inside `T | None`)."""
    pending: list[Any] = [definition.type_]
    while pending:
        current = pending.pop()
        if isinstance(current, OutboundUrl):
            return True
        pending.extend(get_args(current))
    return False


def humanised(key: str) -> str:
    """A stand-in label from a key's last part, for settings defined without one."""
    words = key.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def define(
    key: str, type_: Any, default: Any, description: str, *, secret: bool = False, label: str = ""
) -> SettingDefinition[Any]:
    """Registers a runtime setting; `label` names it for people and `description` is its help text.

    Keep the result as a typed constant, `NAME: SettingDefinition[T] = define(...)`, with `T` the
    Python type of `type_`'s values (a test checks every default validates as one)."""
    if key in REGISTRY:
        raise ValueError(f"setting {key} defined twice")
    definition: SettingDefinition[Any] = SettingDefinition(key, type_, default, description, secret, label)
    REGISTRY[key] = definition
    return definition


# Provider credentials travel in HTTP headers and query strings: printable ASCII, no spaces.
Secret = (
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[!-~]+$")] | None
)


def _allowed_host(value: str) -> str:
    entry = value.strip().lower().rstrip(".")
    try:
        if "/" not in entry:
            return str(ipaddress.ip_address(entry.strip("[]")))
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        pass
    if not _HOST_NAME.fullmatch(entry):
        raise content("must be a host name, an IP address or a CIDR range (e.g. 192.168.1.0/24)")
    return entry


_HOST_NAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*"
)
AllowedHost = Annotated[
    str,
    Field(
        min_length=1,
        max_length=253,
        pattern=r"^[0-9A-Za-z_.:/\[\]-]+$",
        description="A host name, an IP address or a CIDR range.",
    ),
    AfterValidator(_allowed_host),
]

NAMING_TEMPLATE: SettingDefinition[str] = define(
    "library.naming_template",
    Annotated[str, limit(500, 1), Clean, AfterValidator(valid_template)],
    DEFAULT_TEMPLATE,
    "Where organised files go, relative to the root folder, without extension. " + BRACKET_RULE,
    label="Naming template",
)
JOBS_RETENTION_DAYS: SettingDefinition[int] = define(
    "jobs.retention_days",
    Annotated[int, Field(ge=1, le=3650)],
    30,
    "Finished jobs older than this many days are pruned.",
    label="Keep finished jobs (days)",
)
DEFAULT_THEME: SettingDefinition[str] = define(
    "ui.default_theme", BuiltinTheme, "system", "Theme for users who have not chosen one.", label="Default theme"
)
IMVDB_API_KEY: SettingDefinition[str | None] = define(
    "providers.imvdb.api_key",
    Secret,
    None,
    "IMVDb API key (https://imvdb.com/developers).",
    secret=True,
    label="IMVDb API key",
)
MUSICBRAINZ_CONTACT: SettingDefinition[str | None] = define(
    "providers.musicbrainz.contact",
    # Sent in a header: printable ASCII.
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[ -~]*$")] | None,
    None,
    "Contact e-mail or URL sent in MusicBrainz's User-Agent, as its rules ask.",
    label="MusicBrainz contact",
)
SCAN_INTERVAL_HOURS: SettingDefinition[int] = define(
    "library.scan_interval_hours",
    Annotated[int, Field(ge=0, le=24 * 30)],
    6,
    "Every root folder is scanned when its last scan is this many hours old; 0 turns scheduled scans off.",
    label="Scan root folders every (hours)",
)
DEFAULT_QUALITY_PROFILE: SettingDefinition[int | None] = define(
    "quality.default_profile_id",
    Annotated[int, Field(ge=1, le=2**31 - 1)] | None,
    None,
    "Quality profile for artists without one; unset means the profile named 'Any'.",
    label="Default quality profile",
)
ALLOWED_PRIVATE_HOSTS: SettingDefinition[list[str]] = define(
    "network.allowed_private_hosts",
    Annotated[list[AllowedHost], Field(max_length=100)],
    [],
    "Private, loopback or link-local hosts that user-supplied URLs (video sources, monitors, import lists, "
    "artwork, provider images) may reach: host names, IP addresses or CIDR ranges such as 192.168.1.0/24. "
    "Empty by default, so a URL cannot reach into the network MVidarr runs in.",
    label="Private hosts URLs may reach",
)
CONNECTIONS_REFRESH_DELAY_S: SettingDefinition[int] = define(
    "connections.refresh_delay_s",
    Annotated[int, Field(ge=0, le=600)],
    10,
    "Seconds media servers wait after a library change before MVidarr asks them to rescan: the changes of "
    "a burst (a scan, a bulk download) go in one refresh per server.",
)
TRASH_RETENTION_DAYS: SettingDefinition[int] = define(
    "library.trash_retention_days",
    Annotated[int, Field(ge=1, le=3650)],
    30,
    "Files moved to a root folder's trash are deleted for good after this many days.",
    label="Keep trashed files (days)",
)
ORGANIZE_AFTER_SCAN: SettingDefinition[bool] = define(
    "library.organize_after_scan",
    bool,
    False,
    "After a root folder's scan, move its files to where the naming template says (a library.organize job).",
    label="Organise files after each scan",
)
WRITE_NFO: SettingDefinition[bool] = define(
    "library.write_nfo",
    bool,
    False,
    "Keep Kodi/Jellyfin NFO files and artwork next to video files up to date after metadata changes.",
    label="Write NFO files and artwork",
)
METRICS_ALLOWED_NETWORKS: SettingDefinition[list[str]] = define(
    "metrics.allowed_networks",
    Annotated[list[Annotated[str, limit(64, 1)]], Field(max_length=100), AfterValidator(valid_networks)],
    [],
    "Addresses and CIDR ranges (e.g. 10.0.0.0/8) that may read /metrics without credentials; "
    "anyone else needs an admin's token or API key.",
    label="Networks that may read /metrics",
)
BACKUP_PASSPHRASE: SettingDefinition[str | None] = define(
    "backups.passphrase",
    Annotated[str, limit(500, 8)] | None,
    None,
    "Seals the secret key into scheduled backups (needed to restore sessions, two-factor secrets and "
    "secret settings elsewhere); without it backups leave the key out.",
    secret=True,
    label="Backup passphrase",
)
BACKUP_RETENTION_COUNT: SettingDefinition[int] = define(
    "backups.retention_count",
    Annotated[int, Field(ge=1, le=1000)],
    7,
    "Scheduled backups keep this many newest backups in the backups folder and delete older ones.",
    label="Backups to keep",
)
BACKUP_MAX_AGE_HOURS: SettingDefinition[int] = define(
    "backups.max_age_hours",
    Annotated[int, Field(ge=1, le=24 * 365)],
    48,
    "Health warns when the newest backup is older than this.",
    label="Warn when the newest backup is older than (hours)",
)


def _role_rule(value: str) -> str:
    group, sep, role = value.rpartition("=")
    if not sep or not group.strip() or role.strip() not in {r.value for r in Role}:
        raise ValueError("write group=role, the role one of readonly, user, manager, admin")
    return f"{group.strip()}={role.strip()}"


HeaderName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
PASSWORD_SIGN_IN: SettingDefinition[bool] = define(
    "auth.password_sign_in",
    bool,
    True,
    "Sign-in with a MVidarr password. Off: only single sign-on works, except for the break-glass admin.",
)
BREAK_GLASS_ADMIN: SettingDefinition[str | None] = define(
    "auth.break_glass_admin",
    Annotated[str, limit(64, 2), Clean] | None,
    None,
    "The admin who may still sign in with a password while password sign-in is off. Leave empty to let "
    "every admin keep password sign-in.",
)
PROXY_SIGN_IN: SettingDefinition[bool] = define(
    "auth.proxy_sign_in",
    bool,
    False,
    "Sign people in by the user header of a reverse proxy (Authelia, Authentik outpost) — believed only "
    "from the addresses in MVIDARR_TRUSTED_PROXIES.",
)
PROXY_USER_HEADER: SettingDefinition[str] = define(
    "auth.proxy_user_header", HeaderName, "Remote-User", "The header naming the signed-in user."
)
PROXY_GROUPS_HEADER: SettingDefinition[str] = define(
    "auth.proxy_groups_header", HeaderName, "Remote-Groups", "The header listing the user's groups (comma-separated)."
)
PROXY_EMAIL_HEADER: SettingDefinition[str] = define(
    "auth.proxy_email_header", HeaderName, "Remote-Email", "The header with the user's e-mail."
)
PROXY_ROLE_MAPPING: SettingDefinition[list[str]] = define(
    "auth.proxy_role_mapping",
    Annotated[list[Annotated[str, limit(200, 3), AfterValidator(_role_rule)]], Field(max_length=50)],
    [],
    "Groups that give a role, as group=role (e.g. mvidarr-admins=admin); the highest role matched wins.",
)
PROXY_DEFAULT_ROLE: SettingDefinition[str | None] = define(
    "auth.proxy_default_role",
    Literal["readonly", "user", "manager", "admin"] | None,
    "readonly",
    "The role of a proxy user in none of the mapped groups; empty refuses them.",
)
PROXY_CREATE_USERS: SettingDefinition[bool] = define(
    "auth.proxy_create_users",
    bool,
    True,
    "Create a MVidarr account for a proxy user seen for the first time (otherwise an admin creates it).",
)


def changes_schema(components: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of a settings change (`PATCH /settings`): each key with its value's schema or
    null (back to the default), no other key. Models the values use are added to `components`."""
    properties: dict[str, Any] = {}
    for key, definition in sorted(REGISTRY.items()):
        value = definition.adapter.json_schema(ref_template="#/components/schemas/{model}")
        components.update(value.pop("$defs", {}))
        properties[key] = {"anyOf": [value, {"type": "null"}], "description": definition.description}
    return {"type": "object", "properties": properties, "additionalProperties": False, "maxProperties": 100}
