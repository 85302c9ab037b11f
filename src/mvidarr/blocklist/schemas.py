from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, WebUrl, conflict, limit

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BlocklistCreate(InputSchema):
    """Block a source: give `download_id` (a failed or wrong download) or `source_url` (with `video_id`)."""

    download_id: Id | None = Field(default=None, description="Take the source and video from this download.")
    source_url: WebUrl | None = None
    video_id: Id | None = Field(default=None, description="Block for this video only; every video when unset.")
    reason: Annotated[str, limit(1000, 1), Clean] = "blocked by a user"

    @model_validator(mode="after")
    def _source(self) -> BlocklistCreate:
        if (self.download_id is None) == (self.source_url is None):
            raise conflict("send either download_id or source_url")
        return self


class BlocklistEntryPublic(Schema):
    id: int
    video_id: int | None
    source_key: str
    source_url: str
    artist_seen: str | None
    title_seen: str | None
    reason: str
    created_by: int | None
    created_at: UTCDatetime
