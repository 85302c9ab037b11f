"""The job system's own job types: retention, and a no-op for health checks and benchmarks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.jobs import repository
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

MAX_LOG_LINES_PER_JOB = 1000
PRUNE_BATCH = 500


class PruneJobsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="Override of the `jobs.retention_days` setting."
    )


@job_type(
    "system.prune_jobs",
    PruneJobsParams,
    description="Deletes finished jobs older than the retention period and caps each job's log.",
    priority=-10,
    max_attempts=3,
    timeout_s=1800,
    concurrency=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def prune_jobs(ctx: JobContext, params: PruneJobsParams) -> JobResult:
    async with ctx.reader() as session:
        kept: int = await runtime_settings.get(session, setting_keys.JOBS_RETENTION_DAYS)
        days = params.retention_days or kept
    before = ctx.now() - timedelta(days=days)
    deleted = 0
    while not ctx.should_abort():
        async with ctx.session() as session:
            count = await repository.prune_finished(session, before, PRUNE_BATCH)
            await session.commit()
        deleted += count
        await ctx.progress(0.5, f"deleted {deleted} finished jobs")
        if count < PRUNE_BATCH:
            break
    async with ctx.session() as session:
        trimmed = await repository.trim_logs(session, MAX_LOG_LINES_PER_JOB)
        await session.commit()
    await ctx.log("info", f"deleted {deleted} jobs finished before {before:%Y-%m-%d}; trimmed {trimmed} log lines")
    return {"deleted_jobs": deleted, "trimmed_log_lines": trimmed, "retention_days": days}


register_default(DefaultSchedule(name="Prune job history", job_type="system.prune_jobs", cron="17 3 * * *"))


class NoopParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sleep_s: Annotated[float, Field(ge=0, le=60)] = Field(default=0.0, description="Seconds to wait before finishing.")


@job_type(
    "system.noop",
    NoopParams,
    description="Does nothing (optionally waits); checks that workers run jobs, and benchmarks the queue.",
    max_attempts=1,
    timeout_s=120,
    required_role=Role.ADMIN,
)
async def noop(ctx: JobContext, params: NoopParams) -> JobResult:
    if params.sleep_s:
        await asyncio.sleep(params.sleep_s)
    return None
