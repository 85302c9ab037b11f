"""Schemas of the logs view: one kept log record as the API shows it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mvidarr.kit.schemas import Schema, UTCDatetime

LogLevel = Literal["debug", "info", "warning", "error", "critical"]
LEVELS: dict[str, int] = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


class LogRecordPublic(Schema):
    id: int = Field(description="Grows with every record this process keeps; starts again at 1 when it restarts.")
    at: UTCDatetime
    level: str = Field(description="`debug`, `info`, `warning`, `error` or `critical`.")
    logger: str = Field(description="The dotted name of the logger, e.g. `mvidarr.jobs`.")
    message: str = Field(description="The message, with secrets redacted, cut at 2,000 characters.")
    request_id: str | None = Field(description="The HTTP request during which the record was logged, if any.")
    exc: str | None = Field(description="The end of the traceback (at most 4,000 characters), if any.")
    extra: dict[str, str | int | float | bool | None] = Field(
        description="Structured fields the record carries (e.g. `status`, `duration_ms`), redacted and trimmed."
    )
