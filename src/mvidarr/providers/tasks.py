"""`providers.prune_cache`: drop provider answers that expired long ago, on a daily default schedule.

Expired answers are kept a while after they expire: stale-if-error serves them when the provider
is down. Past `providers.cache_keep_days` they go, so the table does not grow without end.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.providers import repository
from mvidarr.settings import service as runtime_settings
from mvidarr.settings.registry import SettingDefinition, define

PRUNE_CACHE = "providers.prune_cache"

KEEP_DAYS: SettingDefinition[int] = define(
    "providers.cache_keep_days",
    Annotated[int, Field(ge=0, le=3650)],
    30,
    "Provider answers are deleted this many days after they expired (until then they are served when "
    "the provider is down).",
    label="Keep expired provider answers (days)",
)


class PruneCacheParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        default=None, description=f"Override of the `{KEEP_DAYS}` setting."
    )


@job_type(
    PRUNE_CACHE,
    PruneCacheParams,
    description="Deletes cached provider answers that expired longer ago than `providers.cache_keep_days`.",
    priority=-10,
    max_attempts=3,
    timeout_s=1800,
    concurrency=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def prune_cache(ctx: JobContext, params: PruneCacheParams) -> JobResult:
    async with ctx.reader() as session:
        days = params.keep_days if params.keep_days is not None else await runtime_settings.get(session, KEEP_DAYS)
    before = ctx.now() - timedelta(days=days)
    async with ctx.session() as session:
        deleted = await repository.prune_cache(session, before)
        await session.commit()
    await ctx.log("info", f"deleted {deleted} provider answers that expired before {before:%Y-%m-%d}")
    return {"deleted": deleted, "keep_days": days}


register_default(DefaultSchedule(name="Prune the provider cache", job_type=PRUNE_CACHE, cron="43 4 * * *"))
