from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.kit.params import SORT_SYNTAX, sort_pattern
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, limit, unset_or
from mvidarr.library.bulk_schemas import VideoSelection
from mvidarr.videos.repository import SORTABLE

SearchName = Annotated[str, limit(100, 1), Clean]
SortText = Annotated[
    str,
    Field(
        max_length=200,
        pattern=SORT_SYNTAX,
        json_schema_extra={"pattern": sort_pattern(SORTABLE)},
        description="The video list's `sort` (e.g. `-year,title`); the list's default when absent.",
    ),
]


class SavedSearchCreate(InputSchema):
    name: SearchName
    filter: VideoSelection = Field(default_factory=VideoSelection, description="The video list's filters.")
    sort: SortText | None = None


class SavedSearchUpdate(InputSchema):
    """Only the fields sent are changed."""

    name: SearchName | None = unset_or()
    filter: VideoSelection | None = None
    sort: SortText | None = None


class SavedSearchPublic(Schema):
    id: int
    name: str
    filter: VideoSelection
    sort: str | None
    url: str = Field(description="The videos page showing this search.")
    created_at: UTCDatetime
    updated_at: UTCDatetime
