"""Runtime settings of discovery, monitors and import lists."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.settings.registry import define

DEFAULT_FILTERS = "discovery.default_filters"
INTERVAL_HOURS = "discovery.interval_hours"
IMPORT_MONITORED = "imports.add_monitored"

define(
    DEFAULT_FILTERS,
    DiscoveryFilters,
    DiscoveryFilters().model_dump(mode="json"),
    "What discovery accepts for artists without their own filters: kinds, include/exclude words, "
    "minimum year and duration.",
    label="Default discovery filters",
)
define(
    INTERVAL_HOURS,
    Annotated[int, Field(ge=0, le=24 * 90)],
    24,
    "Each monitored artist is asked for new videos once per this many hours, the work spread over "
    "the period; 0 turns scheduled discovery off.",
    label="Look for new videos every (hours)",
)
define(
    IMPORT_MONITORED,
    bool,
    True,
    "Artists added from an import list (Spotify, Last.fm, Lidarr) start monitored.",
    label="Monitor artists added from import lists",
)
