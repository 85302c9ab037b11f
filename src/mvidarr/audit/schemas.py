from __future__ import annotations

from typing import Any

from mvidarr.kit.schemas import Schema, UTCDatetime


class AuditEventPublic(Schema):
    id: int
    at: UTCDatetime
    user_id: int | None
    username: str | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
