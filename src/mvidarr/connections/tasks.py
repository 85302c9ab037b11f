"""`connections.watch_sync`: watched state both ways with the linked media-server accounts (decision 0055)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.connections import repository
from mvidarr.connections.watch_sync import sync_link
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.params import MAX_ID
from mvidarr.network.settings import policy_from_settings
from mvidarr.notifications.senders import SendFailed

WATCH_SYNC = "connections.watch_sync"


class WatchSyncParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Only this connection's links; all enabled links when left out."
    )


class WatchSyncFailed(Exception):
    """Some links could not be synced; the others were. Each link keeps its own reason."""


@job_type(
    WATCH_SYNC,
    WatchSyncParams,
    description="Syncs each linked user's watched flags and resume positions with their Jellyfin, Plex or Kodi "
    "account in both directions, matching videos by file path (through the connection's path mappings).",
    priority=-3,
    max_attempts=1,
    dedupe=True,
    concurrency=1,
    timeout_s=3600.0,
    required_role=Role.ADMIN,
)
async def watch_sync(ctx: JobContext, params: WatchSyncParams) -> JobResult:
    async with ctx.reader() as session:
        links = await repository.links(session, params.connection_id, enabled_only=True)
        policy = await policy_from_settings(session)
    results: dict[str, object] = {}
    failures: list[str] = []
    for n, link in enumerate(links):
        ctx.check_abort()
        label = f"link {link.id} (connection {link.connection_id}, user {link.user_id})"

        async def progress(fraction: float, message: str, n: int = n) -> None:
            await ctx.progress((n + fraction) / len(links), message)

        try:
            outcome = await sync_link(ctx.db, link.id, policy=policy, progress=progress, say=ctx.log)
        except SendFailed as exc:
            failures.append(f"{label}: {exc}")
            await ctx.log("error", f"{label}: {exc}")
            continue
        results[str(link.id)] = outcome.summary()
        await ctx.log("info", f"{label}: {outcome.summary()}")
        if outcome.failed:
            failures.append(f"{label}: {outcome.last_error}")
    if failures:
        raise WatchSyncFailed(f"{len(failures)} of {len(links)} links failed: " + "; ".join(failures)[:1500])
    return {"links": len(links), "results": results}


register_default(DefaultSchedule(name="Sync watched state with media servers", job_type=WATCH_SYNC, interval_s=1800))
