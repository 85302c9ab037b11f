"""Runtime settings of every provider, `providers.<name>.*`, and reading them as one config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.schemas import CLEAN_CHAR, Clean, limit
from mvidarr.kit.sealing import Sealer, SealError
from mvidarr.models import Setting
from mvidarr.providers.models import PROVIDER_NAMES, ProviderName
from mvidarr.settings import service as runtime_settings
from mvidarr.settings.registry import MUSICBRAINZ_CONTACT, OUTBOUND, REGISTRY, Secret, SettingDefinition, define


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


T = TypeVar("T")
BaseUrl = Annotated[
    str,
    limit(500, 8),
    Clean,
    AfterValidator(_http_url),
    Field(json_schema_extra={"pattern": rf"^https?://{CLEAN_CHAR}*$"}),
    OUTBOUND,
]


@dataclass(frozen=True, slots=True)
class ProviderDefaults:
    base_url: str
    rate_limit_per_s: float
    max_rate_per_s: float = 50.0
    credentials: tuple[str, ...] = ()
    """Secret settings the provider needs; empty for keyless providers."""
    optional_credentials: bool = False
    """True when the provider works without them (YouTube falls back to yt-dlp)."""


DEFAULTS: dict[ProviderName, ProviderDefaults] = {
    "imvdb": ProviderDefaults("https://imvdb.com/api/v1", 2.0, credentials=("api_key",)),
    # MusicBrainz allows one request per second per client; more gets the client blocked.
    "musicbrainz": ProviderDefaults("https://musicbrainz.org/ws/2", 1.0, max_rate_per_s=1.0),
    "wikipedia": ProviderDefaults("https://en.wikipedia.org", 5.0),
    "wikidata": ProviderDefaults("https://www.wikidata.org", 5.0),
    "theaudiodb": ProviderDefaults("https://www.theaudiodb.com/api/v1/json", 2.0, credentials=("api_key",)),
    "lastfm": ProviderDefaults("https://ws.audioscrobbler.com/2.0", 5.0, credentials=("api_key",)),
    "spotify": ProviderDefaults("https://api.spotify.com/v1", 5.0, credentials=("client_id", "client_secret")),
    "youtube": ProviderDefaults(
        "https://www.googleapis.com/youtube/v3", 5.0, credentials=("api_key",), optional_credentials=True
    ),
}
LABELS: dict[ProviderName, str] = {
    "imvdb": "IMVDb",
    "musicbrainz": "MusicBrainz",
    "wikipedia": "Wikipedia",
    "wikidata": "Wikidata",
    "theaudiodb": "TheAudioDB",
    "lastfm": "Last.fm",
    "spotify": "Spotify",
    "youtube": "YouTube",
}


_CREDENTIAL_LABELS = {"api_key": "API key", "client_id": "client ID", "client_secret": "client secret"}


@dataclass(frozen=True, slots=True)
class ProviderKeys:
    """One provider's settings, as typed keys."""

    enabled: SettingDefinition[bool]
    base_url: SettingDefinition[str]
    timeout_s: SettingDefinition[float]
    rate_limit_per_s: SettingDefinition[float]
    credentials: dict[str, SettingDefinition[str | None]]


def _define(name: ProviderName) -> ProviderKeys:
    spec, label = DEFAULTS[name], LABELS[name]
    enabled: SettingDefinition[bool] = define(
        f"providers.{name}.enabled", bool, True, f"Ask {label} for metadata.", label=f"Use {label}"
    )
    base_url: SettingDefinition[str] = define(
        f"providers.{name}.base_url",
        BaseUrl,
        spec.base_url,
        f"{label} API root; change it to use a mirror, a proxy or a test server.",
        label=f"{label} API address",
    )
    timeout_s: SettingDefinition[float] = define(
        f"providers.{name}.timeout_s",
        Annotated[float, Field(ge=1, le=120)],
        10.0,
        f"Seconds to wait for one {label} answer.",
        label="Timeout (seconds)",
    )
    rate_limit_per_s: SettingDefinition[float] = define(
        f"providers.{name}.rate_limit_per_s",
        Annotated[float, Field(gt=0, le=spec.max_rate_per_s)],
        spec.rate_limit_per_s,
        f"Most requests per second sent to {label}, over all jobs"
        + (" (MusicBrainz allows at most 1)." if name == "musicbrainz" else "."),
        label="Requests per second",
    )
    credentials: dict[str, SettingDefinition[str | None]] = {}
    for credential in spec.credentials:
        key = f"providers.{name}.{credential}"
        if key in REGISTRY:  # providers.imvdb.api_key is defined with the core settings
            credentials[credential] = REGISTRY[key]
            continue
        credentials[credential] = define(
            key,
            Secret,
            None,
            f"{label} {credential.replace('_', ' ')}; write-only, the page only says whether it is set.",
            secret=True,
            label=f"{label} {_CREDENTIAL_LABELS.get(credential, credential.replace('_', ' '))}",
        )
    return ProviderKeys(enabled, base_url, timeout_s, rate_limit_per_s, credentials)


PROVIDER_KEYS: Mapping[ProviderName, ProviderKeys] = MappingProxyType({name: _define(name) for name in PROVIDER_NAMES})
SPOTIFY_AUTH_URL: SettingDefinition[str] = define(
    "providers.spotify.auth_url",
    BaseUrl,
    "https://accounts.spotify.com/api/token",
    "Spotify token endpoint for the client-credentials flow.",
    label="Spotify token URL",
)
CACHE_TTL_SCALE: SettingDefinition[float] = define(
    "providers.cache_ttl_scale",
    Annotated[float, Field(ge=0, le=100)],
    1.0,
    "Multiplies how long provider answers stay cached (1 = search 1 day, lookups 7 days; 0 = no cache).",
    label="Provider cache lifetime (multiplier)",
)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One provider's settings in force, secrets opened."""

    name: ProviderName
    enabled: bool
    base_url: str
    timeout_s: float
    rate_limit_per_s: float
    credentials: dict[str, str]
    extra: dict[str, Any]

    @property
    def configured(self) -> bool:
        spec = DEFAULTS[self.name]
        return spec.optional_credentials or all(self.credentials.get(c) for c in spec.credentials)


async def load_configs(session: AsyncSession, sealer: Sealer | None) -> dict[ProviderName, ProviderConfig]:
    """Every provider's config, read in one query."""
    rows = (await session.execute(select(Setting).where(Setting.key.startswith("providers.")))).scalars()
    values: dict[str, Any] = {row.key: row.value for row in rows if row.key in REGISTRY}

    def value(setting: SettingDefinition[T]) -> T | None:
        raw = values.get(setting.key, setting.default)
        if setting.secret and Sealer.is_sealed(raw):
            if sealer is None:
                return None
            try:
                raw = sealer.open(raw)
            except SealError:
                return None  # sealed under another app secret: treated as unset
        return runtime_settings.valid(setting, raw)

    configs: dict[ProviderName, ProviderConfig] = {}
    for name in PROVIDER_NAMES:
        keys = PROVIDER_KEYS[name]
        credentials = {c: v for c, setting in keys.credentials.items() if (v := value(setting))}
        extra: dict[str, Any] = {"cache_ttl_scale": value(CACHE_TTL_SCALE)}
        if name == "musicbrainz":
            extra["contact"] = value(MUSICBRAINZ_CONTACT)
        if name == "spotify":
            extra["auth_url"] = value(SPOTIFY_AUTH_URL)
        configs[name] = ProviderConfig(
            name=name,
            enabled=bool(value(keys.enabled)),
            base_url=(value(keys.base_url) or "").rstrip("/"),
            timeout_s=value(keys.timeout_s) or 0.0,
            rate_limit_per_s=value(keys.rate_limit_per_s) or 0.0,
            credentials=credentials,
            extra=extra,
        )
    return configs
