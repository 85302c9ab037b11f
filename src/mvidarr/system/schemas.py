from __future__ import annotations

from typing import Literal

from pydantic import Field

from mvidarr.kit.schemas import Schema


class Liveness(Schema):
    status: Literal["ok"]
    version: str


class Check(Schema):
    name: str
    ok: bool
    reason: str = Field(description="Why the check passed or failed, in words.")


class Readiness(Schema):
    status: Literal["ready", "not_ready"]
    checks: list[Check]
