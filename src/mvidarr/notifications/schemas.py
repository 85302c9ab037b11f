from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from mvidarr.kit.schemas import Clean, InputSchema, Schema, limit
from mvidarr.notifications.catalogue import CATALOGUE

EventType = Literal[
    "video.downloaded",
    "video.upgraded",
    "video.imported",
    "download.failed",
    "videos.discovered",
    "video.trashed",
    "video.deleted",
    "health.raised",
    "health.cleared",
    "job.failed",
    "ytdlp.update_available",
]
assert set(EventType.__args__) == set(CATALOGUE)  # type: ignore[attr-defined]
Kind = Literal["webhook", "apprise", "script"]
TargetName = Annotated[str, limit(100, 1), Clean]
TargetUrl = Annotated[str, limit(2000, 1), Clean]
Secret = Annotated[str, limit(200, 8), Clean]
ScriptName = Annotated[str, limit(255, 1), Clean]
Timeout = Annotated[float, Field(ge=1, le=300, description="Seconds a send (or a script) may take.")]
Events = Annotated[list[EventType], Field(max_length=len(CATALOGUE), description="The events this target gets.")]


class TargetCreate(InputSchema):
    name: TargetName
    kind: Kind = Field(description="webhook: a signed JSON POST; apprise: an Apprise URL; script: admins only.")
    url: TargetUrl | None = Field(
        default=None, description="webhook: the http(s) URL; apprise: the Apprise URL (write-only, it holds tokens)."
    )
    secret: Secret | None = Field(
        default=None,
        description="webhook: the HMAC-SHA256 key of `X-MVidarr-Signature` (write-only; 8 to 200 characters).",
    )
    script: ScriptName | None = Field(default=None, description="script: a file name in the scripts folder.")
    timeout_s: Timeout = 10.0
    events: Events = Field(default_factory=list)
    enabled: bool = True

    @model_validator(mode="after")
    def _fits_kind(self) -> TargetCreate:
        if self.kind in ("webhook", "apprise") and not self.url:
            raise ValueError(f"a {self.kind} target needs a url")
        if self.kind == "script" and not self.script:
            raise ValueError("a script target needs a script")
        if self.kind != "webhook" and self.secret:
            raise ValueError("only webhooks have a secret")
        return self


class TargetUpdate(InputSchema):
    """Fields left out stay as they are; `secret: null` removes the webhook's secret."""

    name: TargetName | None = None
    url: TargetUrl | None = None
    secret: Secret | None = None
    script: ScriptName | None = None
    timeout_s: Timeout | None = None
    events: Events | None = None
    enabled: bool | None = None


class TargetPublic(Schema):
    id: int
    name: str
    kind: Kind
    url: str | None = Field(description="webhook: the URL; apprise: its service only (the URL is write-only).")
    has_secret: bool
    script: str | None
    timeout_s: float
    events: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class DeliveryPublic(Schema):
    id: int
    target_id: int | None
    connection_id: int | None
    event_id: int | None
    event_type: str
    payload: dict[str, Any]
    status: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    response_status: int | None = Field(description="The HTTP status answered (a script's exit code).")
    response_body: str | None = Field(description="The start of the answer (a script's output).")
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    duration_ms: int | None


class EventTypePublic(Schema):
    type: str
    description: str
