from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, conflict, limit, unset_or
from mvidarr.models import JobStatus

TypeName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
    ),
    Clean,
]
Priority = Annotated[int, Field(ge=-100, le=100, description="Higher runs first.")]


class JobCreate(InputSchema):
    type: TypeName = Field(description="A registered job type, e.g. `system.prune_jobs`.")
    params: dict[str, Any] = Field(default_factory=dict, description="Validated against the type's params schema.")
    priority: Priority | None = Field(default=None, description="Defaults to the type's priority.")


class JobPublic(Schema):
    id: int
    type: str
    status: JobStatus
    priority: int
    params: dict[str, Any]
    result: dict[str, Any] | None
    progress: float = Field(description="0..1; for a parent, the share of its children that finished.")
    message: str | None
    eta_s: float | None = Field(description="Estimated seconds left, when the handler knows.")
    speed: float | None = Field(description="Units per second (bytes for downloads), when the handler knows.")
    error: str | None
    error_detail: str | None = Field(default=None, description="Traceback of the failure, for admins.")
    attempts: int
    max_attempts: int
    run_after: UTCDatetime
    timeout_s: float | None
    parent_id: int | None
    schedule_id: int | None
    awaiting_children: bool
    cancel_requested: bool
    worker_id: str | None
    created_by: int | None
    created_at: UTCDatetime
    started_at: UTCDatetime | None
    finished_at: UTCDatetime | None


class JobLogPublic(Schema):
    id: int
    at: UTCDatetime
    level: str
    message: str


class JobTypePublic(Schema):
    type: str
    description: str
    params_schema: dict[str, Any]
    priority: int
    max_attempts: int
    timeout_s: float | None
    concurrency: int | None = Field(description="Limit of jobs of this type running at once, over all workers.")
    dedupe: bool
    required_role: str


class JobCounts(Schema):
    type: str
    status: JobStatus
    count: int


class JobStats(Schema):
    counts: list[JobCounts] = Field(description="Jobs in the database by type and status.")
    process: dict[str, Any] = Field(description="Counters of this process since it started (metrics).")


def _check_trigger(interval_s: int | None, cron: str | None) -> None:
    if (interval_s is None) == (cron is None):
        raise conflict("give exactly one of interval_s and cron")


IntervalS = Annotated[int, Field(ge=60, le=366 * 86400, description="Seconds between runs.")]
Cron = Annotated[str, limit(100, 1), Clean, Field(description="Five-field cron expression, in UTC.")]
ScheduleName = Annotated[str, limit(100, 1), Clean]


class ScheduleCreate(InputSchema):
    name: ScheduleName
    job_type: TypeName
    params: dict[str, Any] = Field(default_factory=dict)
    priority: Priority | None = None
    interval_s: IntervalS | None = None
    cron: Cron | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleCreate:
        _check_trigger(self.interval_s, self.cron)
        return self


class ScheduleUpdate(InputSchema):
    """Only the fields sent change; sending `cron` clears `interval_s` and vice versa."""

    name: ScheduleName | None = unset_or()
    params: dict[str, Any] | None = None
    priority: Priority | None = None
    interval_s: IntervalS | None = None
    cron: Cron | None = None
    enabled: bool | None = unset_or()

    @model_validator(mode="after")
    def _at_most_one_trigger(self) -> ScheduleUpdate:
        if self.interval_s is not None and self.cron is not None:
            raise conflict("give at most one of interval_s and cron")
        return self


class SchedulePublic(Schema):
    id: int
    name: str
    job_type: str
    params: dict[str, Any]
    priority: int | None
    interval_s: int | None
    cron: str | None
    enabled: bool
    builtin: bool = Field(description="Shipped with MVidarr; can be changed and disabled, not deleted.")
    last_run_at: UTCDatetime | None
    last_job_id: int | None
    next_run_at: UTCDatetime | None
    created_at: UTCDatetime
    updated_at: UTCDatetime
