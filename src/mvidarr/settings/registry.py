"""The runtime settings MVidarr knows: key, type, default, and whether the value is secret.

Runtime settings live in the database and are edited in the UI without a restart; process
settings (`mvidarr.config`) are read from the environment once at start.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, Field, TypeAdapter

from mvidarr.kit.networks import valid_networks
from mvidarr.kit.schemas import Clean, limit
from mvidarr.organise.naming import BRACKET_RULE, DEFAULT_TEMPLATE, valid_template
from mvidarr.themes.schemas import BuiltinTheme


@dataclass(frozen=True, slots=True)
class SettingDefinition:
    key: str
    type_: Any
    default: Any
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


REGISTRY: dict[str, SettingDefinition] = {}


def humanised(key: str) -> str:
    """A stand-in label from a key's last part, for settings defined without one."""
    words = key.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def define(
    key: str, type_: Any, default: Any, description: str, *, secret: bool = False, label: str = ""
) -> SettingDefinition:
    """Registers a runtime setting; `label` names it for people and `description` is its help text."""
    if key in REGISTRY:
        raise ValueError(f"setting {key} defined twice")
    definition = SettingDefinition(key, type_, default, description, secret, label)
    REGISTRY[key] = definition
    return definition


Secret = Annotated[str, limit(500, 1), Clean] | None


def _allowed_host(value: str) -> str:
    entry = value.strip().lower().rstrip(".")
    try:
        if "/" not in entry:
            return str(ipaddress.ip_address(entry.strip("[]")))
        return str(ipaddress.ip_network(entry, strict=False))
    except ValueError:
        pass
    if not _HOST_NAME.fullmatch(entry):
        raise ValueError("must be a host name, an IP address or a CIDR range (e.g. 192.168.1.0/24)")
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

define(
    "library.naming_template",
    Annotated[str, limit(500, 1), Clean, AfterValidator(valid_template)],
    DEFAULT_TEMPLATE,
    "Where organised files go, relative to the root folder, without extension. " + BRACKET_RULE,
    label="Naming template",
)
define(
    "jobs.retention_days",
    Annotated[int, Field(ge=1, le=3650)],
    30,
    "Finished jobs older than this many days are pruned.",
    label="Keep finished jobs (days)",
)
define("ui.default_theme", BuiltinTheme, "system", "Theme for users who have not chosen one.", label="Default theme")
define(
    "providers.imvdb.api_key",
    Secret,
    None,
    "IMVDb API key (https://imvdb.com/developers).",
    secret=True,
    label="IMVDb API key",
)
define(
    "providers.musicbrainz.contact",
    Annotated[str, limit(200), Clean] | None,
    None,
    "Contact e-mail or URL sent in MusicBrainz's User-Agent, as its rules ask.",
    label="MusicBrainz contact",
)
define(
    "library.scan_interval_hours",
    Annotated[int, Field(ge=0, le=24 * 30)],
    6,
    "Every root folder is scanned when its last scan is this many hours old; 0 turns scheduled scans off.",
    label="Scan root folders every (hours)",
)
define(
    "quality.default_profile_id",
    Annotated[int, Field(ge=1, le=2**31 - 1)] | None,
    None,
    "Quality profile for artists without one; unset means the profile named 'Any'.",
    label="Default quality profile",
)
define(
    "network.allowed_private_hosts",
    Annotated[list[AllowedHost], Field(max_length=100)],
    [],
    "Private, loopback or link-local hosts that user-supplied URLs (video sources, monitors, import lists, "
    "artwork, provider images) may reach: host names, IP addresses or CIDR ranges such as 192.168.1.0/24. "
    "Empty by default, so a URL cannot reach into the network MVidarr runs in.",
    label="Private hosts URLs may reach",
)
define(
    "library.trash_retention_days",
    Annotated[int, Field(ge=1, le=3650)],
    30,
    "Files moved to a root folder's trash are deleted for good after this many days.",
    label="Keep trashed files (days)",
)
define(
    "library.organize_after_scan",
    bool,
    False,
    "After a root folder's scan, move its files to where the naming template says (a library.organize job).",
    label="Organise files after each scan",
)
define(
    "library.write_nfo",
    bool,
    False,
    "Keep Kodi/Jellyfin NFO files and artwork next to video files up to date after metadata changes.",
    label="Write NFO files and artwork",
)
define(
    "metrics.allowed_networks",
    Annotated[list[Annotated[str, limit(64, 1)]], Field(max_length=100), AfterValidator(valid_networks)],
    [],
    "Addresses and CIDR ranges (e.g. 10.0.0.0/8) that may read /metrics without credentials; "
    "anyone else needs an admin's token or API key.",
    label="Networks that may read /metrics",
)
define(
    "backups.passphrase",
    Annotated[str, limit(500, 8)] | None,
    None,
    "Seals the secret key into scheduled backups (needed to restore sessions, two-factor secrets and "
    "secret settings elsewhere); without it backups leave the key out.",
    secret=True,
    label="Backup passphrase",
)
define(
    "backups.retention_count",
    Annotated[int, Field(ge=1, le=1000)],
    7,
    "Scheduled backups keep this many newest backups in the backups folder and delete older ones.",
    label="Backups to keep",
)
define(
    "backups.max_age_hours",
    Annotated[int, Field(ge=1, le=24 * 365)],
    48,
    "Health warns when the newest backup is older than this.",
    label="Warn when the newest backup is older than (hours)",
)
