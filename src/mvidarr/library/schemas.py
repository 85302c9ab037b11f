from __future__ import annotations

from pydantic import Field

from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime, bounded_text


class RootFolderCreate(InputSchema):
    path: bounded_text(4096, min_length=1) = Field(  # type: ignore[valid-type]
        description="Absolute path of an existing, writable directory not inside another root folder."
    )
    name: bounded_text(255) | None = Field(default=None, description="Defaults to the folder's name.")  # type: ignore[valid-type]


class RootFolderUpdate(InputSchema):
    name: bounded_text(255, min_length=1)  # type: ignore[valid-type]


class RootFolderPublic(Schema):
    id: int
    path: str
    name: str
    free_space_bytes: int | None
    accessible: bool
    checked_at: UTCDatetime | None
    created_at: UTCDatetime
    file_count: int = 0
