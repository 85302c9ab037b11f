from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from mvidarr.artists.schemas import ArtistRef
from mvidarr.kit.params import MAX_ID, SORT_SYNTAX, sort_pattern
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, conflict, limit, unset_or
from mvidarr.library.bulk_schemas import VideoSelection
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.videos.repository import SORTABLE, VideoFilter

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PlaylistName = Annotated[str, limit(255, 1), Clean]
Description = Annotated[str, limit(5000), Clean]
Note = Annotated[str, limit(1000), Clean]
MAX_BULK_IDS = 5000
MAX_FILTER_ADD = 10_000
SortSpec = Annotated[
    str, Field(max_length=200, pattern=SORT_SYNTAX, json_schema_extra={"pattern": sort_pattern(SORTABLE)})
]


class SmartRule(VideoSelection):
    """A saved video filter: the video list's filters (same names and meaning), plus the viewer's
    watched state and favourites, a decade, an added-since date and the order to play in."""

    decade: Annotated[int, Field(ge=1900, le=2090, multiple_of=10)] | None = Field(
        default=None, description="e.g. 1990 for 1990-1999; instead of year_min/year_max."
    )
    watched: bool | None = Field(
        default=None, description="Only videos the viewer has (true) or has not (false) watched."
    )
    favourite: bool | None = Field(default=None, description="Only the viewer's favourites (true) or the others.")
    added_since: AwareDatetime | None = Field(default=None, description="Only videos added at or after this time.")
    sort: SortSpec | None = Field(default=None, description="As the video list's `sort`; newest first by default.")

    @model_validator(mode="after")
    def _years(self) -> Self:
        if self.decade is not None and (self.year_min is not None or self.year_max is not None):
            raise conflict("send decade, or year_min/year_max, not both")
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise conflict("year_min must not be greater than year_max")
        return self

    def to_filter(self) -> VideoFilter:
        flt = super().to_filter()
        if self.decade is not None:
            flt = replace(flt, year_min=self.decade, year_max=self.decade + 9)
        return flt


class PlaylistCreate(InputSchema):
    name: PlaylistName
    description: Description | None = None
    public: bool = Field(default=False, description="Other users may see and play it (never change it).")
    rule: SmartRule | None = Field(default=None, description="Makes a smart playlist: the videos this filter matches.")


class PlaylistUpdate(InputSchema):
    """Only the fields sent are changed; `rule` only on a smart playlist."""

    name: PlaylistName | None = unset_or()
    description: Description | None = None
    public: bool | None = unset_or()
    rule: SmartRule | None = unset_or()

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in ("name", "public", "rule"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class Owner(Schema):
    id: int
    username: str


class PlaylistPublic(Schema):
    id: int
    name: str
    description: str | None
    public: bool
    smart: bool = Field(description="Filled by `rule` (true) or by hand (false).")
    rule: SmartRule | None
    owner: Owner
    item_count: int | None = Field(
        description="Entries (for a smart playlist, the videos matching now; null in lists)."
    )
    editable: bool = Field(description="The caller may change it (its owner).")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class PlaylistVideo(Schema):
    id: int
    artist: ArtistRef
    title: str
    version: str
    kind: VideoKind
    status: VideoStatus
    year: int | None
    duration_s: float | None
    quality_label: str | None = Field(description="The current file's quality label; null without a file.")
    has_file: bool
    has_thumbnail: bool


class PlaylistEntry(Schema):
    item_id: int | None = Field(description="The entry's id in a manual playlist; null in a smart one.")
    position: int = Field(description="0-based place in the playlist.")
    note: str | None
    added_at: UTCDatetime | None
    video: PlaylistVideo


class ItemsAdd(InputSchema):
    """Videos to add: by `video_ids` (in that order) or every video a `filter` matches (at most 10,000)."""

    video_ids: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_BULK_IDS)
    filter: VideoSelection | None = Field(default=None, description="The video list's filters.")
    position: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        default=None, description="Insert before this 0-based position; at the end by default."
    )
    note: Note | None = Field(default=None, description="A note for each entry added.")

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if (self.video_ids is None) == (self.filter is None):
            raise conflict("send either video_ids or filter")
        return self


class ItemsAdded(Schema):
    added: int
    already_present: int = Field(description="Videos already in the playlist (not added twice).")
    missing: list[int] = Field(description="Ids that are no videos.")
    item_count: int


class ItemUpdate(InputSchema):
    note: Note | None = Field(default=None, description="The entry's note; null or empty clears it.")
    position: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        default=None, description="Move the entry to this 0-based position (past the end: last)."
    )


class ItemOrder(InputSchema):
    item_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK_IDS, description="Every entry's id, in the new order.")


ExportFormat = Literal["m3u8", "json"]


class ExportEntry(Schema):
    position: int
    note: str | None
    video: PlaylistVideo
    stream_url: str


class PlaylistExport(Schema):
    name: str
    description: str | None
    smart: bool
    rule: SmartRule | None
    exported_at: UTCDatetime
    entries: list[ExportEntry]


class VideoIds(Schema):
    video_ids: list[int]
