from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, limit


class RootFolderCreate(InputSchema):
    path: Annotated[str, limit(4096, 1), Clean] = Field(
        description="Absolute path of an existing, writable directory not inside another root folder."
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
    created_at: UTCDatetime
    file_count: int = 0
