from __future__ import annotations

from typing import Any

from pydantic import Field

from mvidarr.kit.schemas import Schema, UTCDatetime


class SettingPublic(Schema):
    key: str
    value: Any = Field(description="The value in force; secrets are masked as '********' when set.")
    default: Any
    is_set: bool = Field(description="Whether a value was saved (otherwise the default applies).")
    secret: bool = Field(description="Write-only: the value is never returned.")
    description: str
    value_schema: dict[str, Any] = Field(description="JSON schema of accepted values.")
    updated_at: UTCDatetime | None
