from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from mvidarr.kit.schemas import CLEAN_CHAR, Clean, InputSchema, Schema, UTCDatetime, conflict, limit
from mvidarr.models import VideoKind


class RootFolderCreate(InputSchema):
    path: Annotated[str, limit(4096, 1), Clean] = Field(
        description="Absolute path of an existing, writable directory not inside another root folder.",
        json_schema_extra={"pattern": rf"^\s*/{CLEAN_CHAR}*$"},
    )
    name: Annotated[str, limit(255), Clean] | None = Field(default=None, description="Defaults to the folder's name.")


class RootFolderUpdate(InputSchema):
    name: Annotated[str, limit(255, 1), Clean]


class RootFolderPublic(Schema):
    id: int
    path: str
    name: str
    free_space_bytes: int | None
    accessible: bool
    checked_at: UTCDatetime | None
    last_scan_at: UTCDatetime | None = None
    created_at: UTCDatetime
    file_count: int = 0


class ScanRequest(InputSchema):
    root_folder_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = Field(
        default=None, description="Scan only this root folder; every root folder when unset."
    )


class UnmatchedFile(Schema):
    id: int
    root_folder_id: int
    relative_path: str = Field(description="Invalid UTF-8 bytes in the name show as U+FFFD.")
    size: int
    container: str | None
    duration_s: float | None
    quality_label: str | None
    probe_error: str | None
    tags: dict[str, str] | None
    reason: str = Field(description="Why no video was matched.")
    created_at: UTCDatetime


class ManualMatch(InputSchema):
    """Either an existing `video_id`, or an artist (`artist_id` or `artist_name`) and a `title`."""

    video_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    artist_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    artist_name: Annotated[str, limit(255, 1), Clean] | None = None
    title: Annotated[str, limit(500, 1), Clean] | None = None
    version: Annotated[str, limit(255), Clean] = ""
    kind: VideoKind = VideoKind.OFFICIAL
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    featured_artists: list[Annotated[str, limit(255, 1), Clean]] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _target(self) -> Self:
        if self.video_id is not None:
            if self.artist_id is not None or self.artist_name is not None or self.title is not None:
                raise conflict("give video_id alone, or an artist and a title")
            return self
        if (self.artist_id is None) == (self.artist_name is None):
            raise conflict("give exactly one of artist_id and artist_name (or a video_id)")
        if self.title is None:
            raise conflict("title is required unless video_id is given")
        return self


class MatchedFile(Schema):
    id: int
    video_id: int | None
    relative_path: str
    is_current: bool
    match_source: str | None


RootVideos = Literal["keep", "remove"]


class RootRemoved(Schema):
    files_forgotten: int = Field(description="Known files under the folder, forgotten (still on disk).")
    videos_missing: int = Field(description="Videos left in the library as missing: their only file was there.")
    videos_removed: int = Field(description="Videos deleted from the library (`videos=remove`).")
