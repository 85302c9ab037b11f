from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import Field

from mvidarr.artists.schemas import ArtistRef
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, WebUrl, limit, unset_or
from mvidarr.models import VideoKind, VideoStatus

Title = Annotated[str, limit(500, 1), Clean]
ShortText = Annotated[str, limit(255), Clean]
PersonName = Annotated[str, limit(255, 1), Clean]
Word = Annotated[str, limit(100, 1), Clean]
ExternalId = Annotated[str, limit(64, 1), Clean]
Year = Annotated[int, Field(ge=1900, le=2100)]


VideoLockable = Literal[
    "title",
    "version",
    "kind",
    "year",
    "release_date",
    "duration_s",
    "album",
    "label",
    "description",
    "featured_artists",
    "directors",
    "producers",
    "imvdb_id",
    "musicbrainz_recording_id",
    "youtube_id",
    "genres",
    "artist_id",
]
LOCKABLE: frozenset[str] = frozenset(get_args(VideoLockable))


class VideoSource(InputSchema):
    url: WebUrl
    kind: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$", description="e.g. youtube, vimeo, imvdb, other.")] = (
        "other"
    )


class VideoFields(InputSchema):
    version: ShortText = Field(default="", description="e.g. 'explicit', 'director's cut'; empty for the main one.")
    kind: VideoKind = VideoKind.OFFICIAL
    status: VideoStatus = VideoStatus.WANTED
    monitored: bool = True
    year: Year | None = None
    release_date: dt.date | None = None
    duration_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    album: Annotated[str, limit(500), Clean] | None = None
    label: ShortText | None = None
    description: Annotated[str, limit(20_000), Clean] | None = None
    featured_artists: list[PersonName] = Field(default_factory=list, max_length=30)
    directors: list[PersonName] = Field(default_factory=list, max_length=30)
    producers: list[PersonName] = Field(default_factory=list, max_length=30)
    imvdb_id: Annotated[int, Field(ge=1, le=2**53)] | None = None
    musicbrainz_recording_id: (
        Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")] | None
    ) = None
    youtube_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{11}$")] | None = None
    sources: list[VideoSource] = Field(default_factory=list, max_length=50)
    genres: list[Word] = Field(default_factory=list, max_length=30)


class VideoCreate(VideoFields):
    artist_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    title: Title


class VideoUpdate(VideoFields):
    """Only the fields sent are changed."""

    artist_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = unset_or()
    title: Title | None = unset_or()
    locked_fields: list[VideoLockable] | None = Field(
        default=None, description="Fields enrichment must never overwrite."
    )


class FileSummary(Schema):
    id: int
    quality_label: str | None
    quality_score: float | None
    width: int | None
    height: int | None
    video_codec: str | None
    audio_codec: str | None
    container: str | None
    size: int
    duration_s: float | None


class VideoListItem(Schema):
    id: int
    artist: ArtistRef
    title: str
    version: str
    kind: VideoKind
    status: VideoStatus
    monitored: bool
    year: int | None
    duration_s: float | None
    album: str | None
    file: FileSummary | None = Field(description="The current file's quality summary, if any.")
    has_thumbnail: bool = Field(description="A picture is available at `GET /videos/{id}/thumbnail`.")
    created_at: UTCDatetime


class SourcePublic(Schema):
    url: str
    kind: str


class VideoPublic(VideoListItem):
    sort_title: str
    release_date: dt.date | None
    label: str | None
    description: str | None
    featured_artists: list[str]
    directors: list[str]
    producers: list[str]
    imvdb_id: int | None
    musicbrainz_recording_id: str | None
    youtube_id: str | None
    sources: list[SourcePublic]
    view_count: int | None
    like_count: int | None
    genres: list[str]
    locked_fields: list[str]
    field_provenance: dict[str, object] = Field(description="Which provider set each field, with confidence.")
    discovered_at: UTCDatetime | None
    last_enriched_at: UTCDatetime | None
    updated_at: UTCDatetime


class FacetCount(Schema):
    value: str | int | bool = Field(description="The value (a decade is its first year, e.g. 1990).")
    count: int


class VideoFacets(Schema):
    """How many matching videos have each value; each facet is counted with the other filters only."""

    total: int = Field(description="Videos matching every filter.")
    status: list[FacetCount]
    kind: list[FacetCount]
    decade: list[FacetCount]
    genre: list[FacetCount] = Field(description="The 50 most common genres.")
    quality_label: list[FacetCount] = Field(description="The current file's quality label.")
    has_file: list[FacetCount]
