"""Runtime settings of discovery, monitors and import lists."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.settings.registry import SettingDefinition, define

DEFAULT_FILTERS: SettingDefinition[DiscoveryFilters] = define(
    "discovery.default_filters",
    DiscoveryFilters,
    DiscoveryFilters().model_dump(mode="json"),
    "What discovery accepts for artists without their own filters: kinds, include/exclude words, "
    "minimum year and duration.",
    label="Default discovery filters",
)
INTERVAL_HOURS: SettingDefinition[int] = define(
    "discovery.interval_hours",
    Annotated[int, Field(ge=0, le=24 * 90)],
    24,
    "Each monitored artist is asked for new videos once per this many hours, the work spread over "
    "the period; 0 turns scheduled discovery off.",
    label="Look for new videos every (hours)",
)
IMPORT_MONITORED: SettingDefinition[bool] = define(
    "imports.add_monitored",
    bool,
    True,
    "Artists added from an import list (Spotify, Last.fm, Lidarr) start monitored.",
    label="Monitor artists added from import lists",
)
