"""`trash.purge`: deletes trashed files past their retention date, and settles journal rows a crash left."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.trash import service

PURGE = "trash.purge"


class TrashPurgeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@job_type(
    PURGE,
    TrashPurgeParams,
    description="Deletes trashed files whose retention (`library.trash_retention_days`) has passed, and finishes "
    "or undoes trash moves a crash left half done.",
    priority=-3,
    max_attempts=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def purge_trash(ctx: JobContext, _params: TrashPurgeParams) -> JobResult:
    async with ctx.session() as session:
        settled = await service.settle_stale(session, ctx.now())
        await session.commit()
    purged = 0
    while not ctx.should_abort():
        async with ctx.session() as session:
            done = await service.purge_expired(session, ctx.now())
            await session.commit()
        purged += done
        if done == 0:
            break
        await ctx.progress(0.5, f"purged {purged} trashed files")
    return {"purged": purged, **settled}


register_default(DefaultSchedule(name="Purge the trash", job_type=PURGE, interval_s=6 * 3600))
