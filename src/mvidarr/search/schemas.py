from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.kit.schemas import Schema


class SearchKind(enum.StrEnum):
    """What a result is; the search index's kinds (`search.sources.SOURCES`)."""

    ARTIST = "artist"
    VIDEO = "video"
    PLAYLIST = "playlist"


class Highlights(Schema):
    label: list[list[int]] = Field(description="[start, end) spans of the label that match, in code points.")
    detail: list[list[int]] = Field(description="[start, end) spans of the detail that match, in code points.")


class SearchHit(Schema):
    kind: SearchKind
    id: int
    label: str = Field(description="The artist's name, or the video's title (with its version).")
    detail: str = Field(description="The artist's disambiguation, or the video's artist.")
    score: float = Field(description="Relevance (higher is better); comparable within one answer only.")
    url: str = Field(description="The web page of the result.")
    highlights: Highlights


class SearchPage(Schema):
    query: str
    corrected: str | None = Field(
        description="Set when nothing matched the words as typed and near spellings were searched instead."
    )
    items: list[SearchHit]
    total: int = Field(description="Results over all pages.")
    page: int
    page_size: int


class Suggestions(Schema):
    query: str
    corrected: str | None
    items: list[SearchHit]


class SearchRebuildParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
