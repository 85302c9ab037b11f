"""Import list job types: `imports.sync` (one saved list) and `imports.sync_due` (every enabled list due)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.errors import MvidarrError
from mvidarr.imports import lists, service, sources
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.params import MAX_ID
from mvidarr.network.settings import policy_from_settings

SYNC = "imports.sync"
SYNC_DUE = "imports.sync_due"


class ImportListSyncParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    import_list_id: Annotated[int, Field(ge=1, le=MAX_ID, description="The import list to sync.")]


class SyncDueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@job_type(
    SYNC,
    ImportListSyncParams,
    description="Reads a saved import list (Lidarr, Last.fm, Spotify) and adds its artists not yet in the library, "
    "then starts their enrichment; the list shows when it ran, how many it added, or why it failed.",
    priority=-2,
    max_attempts=2,
    timeout_s=600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def sync_list(ctx: JobContext, params: ImportListSyncParams) -> JobResult:
    async with ctx.reader() as session:
        request = lists.request_of(await lists.get_list(session, params.import_list_id), dry_run=False)
        policy = await policy_from_settings(session)
    await ctx.progress(0.1, "reading the list")
    try:
        listed = await sources.read(ctx.providers, request, policy)
    except MvidarrError as exc:
        async with ctx.session() as session:
            lists.record(await lists.get_list(session, params.import_list_id), ctx.now(), result=None, error=str(exc))
            await session.commit()
        raise
    ctx.check_abort()
    async with ctx.session() as session:
        result = await service.import_artists(session, ctx.events, ctx.clock, request, listed, ctx.created_by)
        lists.record(await lists.get_list(session, params.import_list_id), ctx.now(), result=result, error=None)
        await session.commit()
    await ctx.log("info", f"{len(listed)} artists listed: {result.added} added, {result.existing} already there")
    return {"listed": len(listed), "added": result.added, "existing": result.existing}


@job_type(
    SYNC_DUE,
    SyncDueParams,
    description="Starts `imports.sync` for every enabled import list whose sync interval has passed.",
    priority=-3,
    max_attempts=1,
    timeout_s=600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def sync_due(ctx: JobContext, params: SyncDueParams) -> JobResult:
    async with ctx.reader() as session:
        ids = await lists.due(session, ctx.now())
    if ids:
        await ctx.spawn_many(SYNC, [ImportListSyncParams(import_list_id=i) for i in ids])
    return {"started": len(ids)}


register_default(DefaultSchedule(name="Sync import lists", job_type=SYNC_DUE, interval_s=3600))
