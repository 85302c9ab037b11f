from __future__ import annotations

from pydantic import Field

from mvidarr.kit.schemas import InputSchema, Name, Schema, UTCDatetime
from mvidarr.models.user import Role


class ApiKeyPublic(Schema):
    id: int
    user_id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    role: Role = Field(description="The most this key may do; never more than its owner's current role.")
    created_at: UTCDatetime
    last_used_at: UTCDatetime | None
    revoked_at: UTCDatetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself. Shown only in this answer; store it now.")


class ApiKeyCreate(InputSchema):
    name: Name
    role: Role | None = Field(default=None, description="Cap; defaults to (and cannot exceed) your role.")
