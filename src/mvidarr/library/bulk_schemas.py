from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from mvidarr.artists.repository import ArtistFilter
from mvidarr.artists.schemas import ArtistLockable
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, conflict, limit, unset_or
from mvidarr.kit.text import search_terms
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.quality.schemas import QualityLabel
from mvidarr.videos.repository import VideoFilter
from mvidarr.videos.schemas import VideoLockable

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Word = Annotated[str, limit(100, 1), Clean]
FieldName = Annotated[str, limit(64, 1), Clean]
Ids = list[Id] | None


class VideoSelection(InputSchema):
    """The video list's filters."""

    q: Annotated[str, limit(200), Clean] | None = None
    artist_id: Id | None = None
    status: list[VideoStatus] = Field(default_factory=list)
    kind: list[VideoKind] = Field(default_factory=list)
    year_min: Annotated[int, Field(ge=1900, le=2100)] | None = None
    year_max: Annotated[int, Field(ge=1900, le=2100)] | None = None
    genre: Word | None = None
    has_file: bool | None = None
    quality_label: list[QualityLabel] = Field(default_factory=list, description="The current file's quality label.")

    def to_filter(self) -> VideoFilter:
        return VideoFilter(
            q=search_terms(self.q or ""),
            artist_id=self.artist_id,
            status=[s.value for s in self.status],
            kind=[k.value for k in self.kind],
            year_min=self.year_min,
            year_max=self.year_max,
            genre=self.genre,
            has_file=self.has_file,
            quality_label=list(self.quality_label),
        )


class ArtistSelection(InputSchema):
    """The artist list's filters."""

    q: Annotated[str, limit(200), Clean] | None = None
    monitored: bool | None = None
    genre: Word | None = None

    def to_filter(self) -> ArtistFilter:
        return ArtistFilter(q=search_terms(self.q or ""), monitored=self.monitored, genre=self.genre)


class _Common(InputSchema):
    monitored: bool | None = unset_or()
    genres_add: list[Word] = Field(default_factory=list, max_length=30)
    genres_remove: list[Word] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class VideoChanges(_Common):
    lock_fields: list[VideoLockable] = Field(default_factory=list, max_length=40)
    unlock_fields: list[VideoLockable] = Field(default_factory=list, max_length=40)
    status: VideoStatus | None = unset_or()
    kind: VideoKind | None = unset_or()


class ArtistChanges(_Common):
    lock_fields: list[ArtistLockable] = Field(default_factory=list, max_length=40)
    unlock_fields: list[ArtistLockable] = Field(default_factory=list, max_length=40)
    auto_download: bool | None = unset_or()
    quality_profile_id: Id | None = unset_or(description="A quality profile id.")


class _Selection(InputSchema):
    ids: Ids = Field(default=None, max_length=100_000, description="The rows to change; or send `filter`.")

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if (self.ids is None) == (getattr(self, "filter", None) is None):
            raise conflict("send either ids or filter")
        return self


class VideoBulkEdit(_Selection):
    filter: VideoSelection | None = None
    set: VideoChanges


class ArtistBulkEdit(_Selection):
    filter: ArtistSelection | None = None
    set: ArtistChanges


class BulkEditResult(Schema):
    matched: int = Field(description="Rows the selection found.")
    updated: int | None = Field(description="Rows changed now; null when a job does the work.")
    job: JobPublic | None = Field(description="The job applying a selection over 500 rows (202 Accepted).")


class VideoBulkDelete(InputSchema):
    """Videos to delete: by `ids` or by `filter`; their files stay, go to the trash, or (admins) go for good."""

    ids: list[Id] | None = Field(
        default=None, min_length=1, max_length=5000, description="The videos to delete; or send `filter`."
    )
    filter: VideoSelection | None = None
    delete_files: bool = Field(default=False, description="Move the videos' files (and sidecars) to the trash.")
    permanent: bool = Field(default=False, description="Delete the files for good, not to the trash (admins only).")

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if (self.ids is None) == (self.filter is None):
            raise conflict("send either ids or filter")
        return self


class BulkDeleteResult(Schema):
    matched: int = Field(description="Videos the selection found.")
    deleted: int | None = Field(description="Videos deleted now; null when a job does the work.")
    files: int | None = Field(
        description="Files moved to the trash (or, with `permanent`, deleted) now; null when a job does the work."
    )
    job: JobPublic | None = Field(description="The job deleting a selection over 100 videos (202 Accepted).")
