from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import InputSchema, Schema
from mvidarr.videos.schemas import VideoPublic

VideoId = Annotated[int, Field(ge=1, le=MAX_ID)]


class DuplicateMember(Schema):
    video_id: int
    title: str
    version: str
    artist_id: int
    artist_name: str
    file_id: int | None = Field(description="The video's current file, if any.")
    quality_label: str | None
    quality_score: float | None
    size: int | None
    relative_path: str | None


class DuplicateGroup(Schema):
    reason: Literal["title", "content"] = Field(
        description="`title`: same artist, normalised title and version; `content`: same partial content hash."
    )
    videos: list[DuplicateMember]
    suggested_video_id: int = Field(description="The video a merge keeps by default (the one with the best file).")
    suggested_file_id: int | None = Field(description="The file a merge keeps by default (best quality score).")


class MergeRequest(InputSchema):
    video_ids: list[VideoId] = Field(min_length=2, max_length=50, description="The videos to merge into one.")
    keep_video_id: VideoId | None = Field(
        default=None, description="The video that remains; by default the one whose file is kept."
    )
    keep_file_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="The current file to keep; by default the one with the best quality score."
    )


class MergeResult(Schema):
    kept_video_id: int
    kept_file_id: int | None
    removed_video_ids: list[int]
    trashed_file_ids: list[int]
    trash_entry_ids: list[int] = Field(description="Trash entries of the moved files (restorable from /trash).")
    merged_fields: list[str] = Field(description="Fields the kept video took from the others.")
    video: VideoPublic
