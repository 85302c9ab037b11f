from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.artists.schemas import ArtistRef
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime
from mvidarr.models import VideoKind, VideoStatus

DiscoveryAction = Literal["add", "ignore", "existing", "removed"]


class PlannedVideo(Schema):
    """One video discovery found, and what it does (or would do) with it."""

    title: str
    version: str
    kind: VideoKind
    song_key: str = Field(description="Shared by every version of one song.")
    action: DiscoveryAction = Field(
        description="`add`: a new wanted video; `ignore`: a new video stored as ignored (see reason); "
        "`existing`: already in the library (new sources attached); `removed`: the user deleted or "
        "blocklisted it, so it is not added again."
    )
    reason: str | None = Field(description="Why a video is ignored or skipped.")
    video_id: int | None = Field(description="The library video, for `existing`.")
    year: int | None
    release_date: dt.date | None
    duration_s: float | None
    youtube_ids: list[str]
    sources: list[str] = Field(description="Providers that list this video.")


class DiscoveryPreview(Schema):
    artist_id: int
    sources_asked: list[str] = Field(description="Providers that answered.")
    source_errors: dict[str, str] = Field(description="Providers that failed, with the reason.")
    items: list[PlannedVideo]


WantedKind = Literal["missing", "cutoff_unmet"]


class WantedItem(Schema):
    id: int
    artist: ArtistRef
    title: str
    version: str
    kind: VideoKind
    status: VideoStatus
    song_key: str | None
    year: int | None
    release_date: dt.date | None
    quality_label: str | None = Field(description="The current file's label (cutoff-unmet only).")
    discovered_at: UTCDatetime | None


class WantedBulk(InputSchema):
    """Ignore, un-ignore or want a selection of videos."""

    video_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=1000)
    action: Literal["ignore", "unignore", "want"] = Field(
        description="`ignore`: status ignored; `unignore` and `want`: status wanted (only videos without "
        "a file; a downloaded video keeps its status)."
    )


class WantedBulkResult(Schema):
    changed: int
    unchanged: int = Field(description="Videos already in that state, or that have a file.")


class CalendarItem(Schema):
    id: int
    artist: ArtistRef
    title: str
    version: str
    kind: VideoKind
    status: VideoStatus
    release_date: dt.date


ARTIST_DISCOVER = "artist.discover"
"""The job type that discovers one artist's videos (registered in `discovery.tasks`)."""


class ArtistDiscoverParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    artist_id: Annotated[int, Field(ge=1, le=MAX_ID, description="The artist to discover videos for.")]
