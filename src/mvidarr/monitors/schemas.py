from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, WebUrl, limit, unset_or

Url = Annotated[WebUrl, Field(description="A YouTube channel or playlist URL, or a feed.")]
Hours = Annotated[int, Field(ge=1, le=24 * 30, description="How often the monitor is checked.")]
ArtistId = Annotated[int, Field(ge=1, le=MAX_ID)]


class MonitorCreate(InputSchema):
    url: Url
    name: Annotated[str, limit(255, 1), Clean] | None = Field(default=None, description="Defaults to the URL.")
    artist_id: ArtistId | None = Field(
        default=None, description="Attach every item to this artist; null takes the artist from each title."
    )
    filters: DiscoveryFilters | None = Field(
        default=None, description="What to accept; null uses the artist's filters (or the default setting)."
    )
    check_interval_hours: Hours = 24
    auto_download: bool = Field(default=False, description="Queue a download for each video the monitor adds.")
    enabled: bool = True


class MonitorUpdate(InputSchema):
    """Only the fields sent are changed."""

    url: Url | None = unset_or()
    name: Annotated[str, limit(255, 1), Clean] | None = unset_or()
    artist_id: ArtistId | None = None
    filters: DiscoveryFilters | None = None
    check_interval_hours: Hours | None = unset_or()
    auto_download: bool | None = unset_or()
    enabled: bool | None = unset_or()


class MonitorPublic(Schema):
    id: int
    name: str
    url: str
    artist_id: int | None
    filters: DiscoveryFilters | None
    check_interval_hours: int
    auto_download: bool
    enabled: bool
    last_checked_at: UTCDatetime | None
    last_error: str | None
    created_at: UTCDatetime
    updated_at: UTCDatetime


class MonitorItemPublic(Schema):
    id: int
    item_id: str
    title: str
    url: str | None
    video_id: int | None
    outcome: str = Field(
        description="`added`, `ignored` (filtered, see reason), `existing` (already in the library), "
        "`removed` (deleted or blocklisted earlier) or `unmatched` (no such artist in the library)."
    )
    reason: str | None
    seen_at: UTCDatetime


CHECK = "monitor.check"
"""The job type that checks one monitor (registered in `monitors.tasks`)."""


class MonitorCheckParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monitor_id: Annotated[int, Field(ge=1, le=MAX_ID, description="The monitor to check.")]
