from __future__ import annotations

from pydantic import Field

from mvidarr.kit.schemas import Schema
from mvidarr.providers.models import ProviderName


class ProviderTestResult(Schema):
    name: ProviderName
    ok: bool
    detail: str = Field(description="What was checked, or why it failed.")
    error_kind: str | None = Field(
        default=None, description="The problem type on failure, e.g. `provider-credentials`, `provider-unavailable`."
    )
    duration_ms: int
