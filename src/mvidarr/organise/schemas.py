from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import InputSchema, Schema, conflict
from mvidarr.library.bulk_schemas import VideoSelection

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_SELECTION = 10_000


class NamingPreviewRequest(InputSchema):
    template: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None, description="The template to try; the saved `library.naming_template` when unset."
    )
    video_ids: Annotated[list[Id], Field(max_length=20)] | None = Field(
        default=None, description="Videos to render; a few sample videos with awkward names when unset."
    )


class NamingExample(Schema):
    video_id: int | None = Field(description="The video rendered; null for a built-in sample.")
    artist: str
    title: str
    path: str = Field(description="Relative path under the root folder, without the file's extension.")


class NamingPreview(Schema):
    template: str
    examples_from: Literal["library", "samples"] = Field(
        description="`library`: the user's own videos (those with a version or a kind first); `samples` when "
        "the library has no video with a file and no `video_ids` were given."
    )
    bracket_rule: str = Field(description="How square brackets in a template are read.")
    tokens: list[str] = Field(description="Every token a template may use.")
    examples: list[NamingExample]


class OrganizeParams(BaseModel):
    """What `library.organize` works on: given videos, artists, a root folder, or the whole library."""

    model_config = ConfigDict(extra="forbid")

    video_ids: Annotated[list[Id], Field(max_length=MAX_SELECTION)] | None = None
    artist_ids: Annotated[list[Id], Field(max_length=MAX_SELECTION)] | None = None
    root_folder_id: Id | None = Field(default=None, description="Only files now in this root folder.")
    dry_run: bool = Field(default=False, description="Plan only: list moves and conflicts, change nothing.")
    filter: VideoSelection | None = Field(
        default=None,
        description="Only the videos matching the video list's filters (as `PATCH /videos` takes them); "
        "not with `video_ids` or `artist_ids`.",
    )

    @model_validator(mode="after")
    def _filter_alone(self) -> Self:
        if self.filter is not None and (self.video_ids is not None or self.artist_ids is not None):
            raise conflict("send filter, or video_ids and artist_ids, not both")
        return self


class OrganizeRequest(OrganizeParams):
    model_config = ConfigDict(extra="forbid")


class NfoWriteParams(BaseModel):
    """What `nfo.write` writes: NFO files (and artwork copies) for given videos and artists, or all."""

    model_config = ConfigDict(extra="forbid")

    video_ids: Annotated[list[Id], Field(max_length=MAX_SELECTION)] | None = None
    artist_ids: Annotated[list[Id], Field(max_length=MAX_SELECTION)] | None = None
