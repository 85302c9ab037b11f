from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from mvidarr.kit.schemas import Clean, InputSchema, Name, Schema, UTCDatetime, limit, unset_or
from mvidarr.models import VideoKind

ShortText = Annotated[str, limit(255), Clean]
Word = Annotated[str, limit(100, 1), Clean]
ExternalId = Annotated[str, limit(64, 1), Clean]


ArtistLockable = Literal[
    "name",
    "sort_name",
    "disambiguation",
    "country",
    "begin_year",
    "biography",
    "genres",
    "imvdb_slug",
    "imvdb_id",
    "musicbrainz_id",
    "spotify_id",
    "youtube_channel_id",
    "wikidata_id",
    "audiodb_id",
]
LOCKABLE: frozenset[str] = frozenset(get_args(ArtistLockable))


class ArtistFields(InputSchema):
    sort_name: Name | None = Field(
        default=None, description="Defaults to the name with a leading article moved ('Cure, The')."
    )
    disambiguation: ShortText = Field(default="", description="Tells apart artists with the same name.")
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = Field(
        default=None, description="ISO 3166-1 alpha-2."
    )
    begin_year: Annotated[int, Field(ge=1000, le=2100)] | None = None
    biography: Annotated[str, limit(20_000), Clean] | None = None
    imvdb_slug: ExternalId | None = None
    imvdb_id: Annotated[int, Field(ge=1, le=2**53)] | None = None
    musicbrainz_id: (
        Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")] | None
    ) = None
    spotify_id: ExternalId | None = None
    youtube_channel_id: ExternalId | None = None
    wikidata_id: Annotated[str, Field(pattern=r"^Q[0-9]{1,12}$")] | None = None
    audiodb_id: ExternalId | None = None
    monitored: bool = True
    auto_download: bool = False
    include_words: list[Word] = Field(default_factory=list, max_length=50)
    exclude_words: list[Word] = Field(default_factory=list, max_length=50)
    allowed_kinds: list[VideoKind] | None = Field(
        default=None, description="Kinds discovery accepts; null uses the default setting."
    )
    monitor_new: bool = Field(
        default=False, description="Discovery wants only videos released after the artist was added."
    )
    min_year: Annotated[int, Field(ge=1900, le=2100)] | None = Field(
        default=None, description="Discovery skips older videos; null uses the default setting."
    )
    min_duration_s: Annotated[float, Field(ge=0, le=36_000)] | None = Field(
        default=None, description="Discovery skips shorter videos; null uses the default setting."
    )
    folder_name: ShortText | None = None
    root_folder_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    quality_profile_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = Field(
        default=None, description="Quality profile; null uses the default profile setting."
    )
    genres: list[Word] = Field(default_factory=list, max_length=30)


class ArtistCreate(ArtistFields):
    name: Name


class ArtistUpdate(ArtistFields):
    """Only the fields sent are changed."""

    name: Name | None = unset_or()
    locked_fields: list[ArtistLockable] | None = Field(
        default=None, description="Fields enrichment must never overwrite."
    )


class ArtistListItem(Schema):
    id: int
    name: str
    sort_name: str
    disambiguation: str
    country: str | None
    begin_year: int | None
    monitored: bool
    auto_download: bool
    genres: list[str]
    video_count: int = Field(description="Videos of this artist in the library, any status.")
    downloaded_count: int = Field(description="Videos with status `downloaded`.")
    created_at: UTCDatetime


class ArtistPublic(ArtistListItem):
    biography: str | None
    imvdb_slug: str | None
    imvdb_id: int | None
    musicbrainz_id: str | None
    spotify_id: str | None
    youtube_channel_id: str | None
    wikidata_id: str | None
    audiodb_id: str | None
    include_words: list[str]
    exclude_words: list[str]
    allowed_kinds: list[VideoKind] | None
    monitor_new: bool
    min_year: int | None
    min_duration_s: float | None
    folder_name: str | None
    root_folder_id: int | None
    quality_profile_id: int | None
    thumbnail_path: str | None
    fanart_path: str | None
    locked_fields: list[str]
    field_provenance: dict[str, object] = Field(description="Which provider set each field, with confidence.")
    last_discovered_at: UTCDatetime | None
    last_enriched_at: UTCDatetime | None
    updated_at: UTCDatetime


class ArtistRef(Schema):
    id: int
    name: str


ArtistId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ArtistMerge(InputSchema):
    into_artist_id: int = Field(
        ge=1, le=2**31 - 1, description="The artist that keeps the videos; this one is deleted."
    )


class ArtistMerged(Schema):
    artist: ArtistPublic = Field(description="The artist that remains, with the merged videos.")
    videos_moved: int
    merged_name: str = Field(description="Name of the artist merged away.")
