"""Library job types: `library.scan` (one root folder, or all of them) and its default schedule.

Thumbnails are written under the data dir the job context carries (`ctx.data_dir`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.params import MAX_ID
from mvidarr.library.scanner import LibraryScan
from mvidarr.metadata.tasks import enrich_after_scan
from mvidarr.models import RootFolder
from mvidarr.organise.tasks import organise_after_scan
from mvidarr.providers.hub import ProviderHub
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

SCAN = "library.scan"


class LibraryScanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    root_folder_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="The root folder to scan; all of them (one child job each) when unset."
    )
    only_due: bool = Field(
        default=False,
        description="With no root folder: scan only those whose last scan is older than "
        "the `library.scan_interval_hours` setting (what the schedule asks for).",
    )


class RootFolderVanished(Exception):
    """The root folder was removed from MVidarr before its scan started."""


@job_type(
    SCAN,
    LibraryScanParams,
    description="Scans a root folder (or every one): new and changed files are probed and matched to "
    "artists and videos, vanished ones marked missing, thumbnails made.",
    priority=-2,
    max_attempts=1,
    timeout_s=12 * 3600,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def scan_library(ctx: JobContext, params: LibraryScanParams) -> JobResult:
    if params.root_folder_id is None:
        return await _scan_all(ctx, only_due=params.only_due)
    async with ctx.reader() as session:
        root = await session.get(RootFolder, params.root_folder_id)
    if root is None:
        raise RootFolderVanished(f"root folder {params.root_folder_id} does not exist")
    try:
        providers: ProviderHub | None = ctx.providers
    except RuntimeError:  # a worker built without providers: joint credits fall back to the library's rule
        providers = None
    result = await LibraryScan(ctx, root.id, root.path, ctx.data_dir, providers).run()
    await organise_after_scan(ctx, root.id)
    await enrich_after_scan(ctx, result)
    return result


async def _scan_all(ctx: JobContext, *, only_due: bool) -> JobResult:
    """One child job per root folder (each de-duplicated against scans of that root already queued)."""
    async with ctx.reader() as session:
        roots = (await session.execute(select(RootFolder.id, RootFolder.last_scan_at).order_by(RootFolder.id))).all()
        hours = await runtime_settings.get(session, setting_keys.SCAN_INTERVAL_HOURS)
    if only_due:
        if hours == 0:
            await ctx.log("info", "scheduled scans are off (library.scan_interval_hours is 0)")
            return {"started": [], "skipped": len(roots)}
        due_before = ctx.now() - timedelta(hours=hours)
        roots = [r for r in roots if r.last_scan_at is None or r.last_scan_at <= due_before]
    started = [await ctx.spawn(SCAN, LibraryScanParams(root_folder_id=r.id)) for r in roots]
    return {"started": started}


register_default(
    DefaultSchedule(
        name="Scan library folders",
        job_type=SCAN,
        interval_s=3600,
        params={"only_due": True},
    )
)
