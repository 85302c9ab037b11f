"""Organise job types: `library.organize` (dry run or apply), and what runs it after a scan."""

from __future__ import annotations

from typing import Any

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.organise import moves, recovery, service
from mvidarr.organise.plan import Plan
from mvidarr.organise.schemas import OrganizeParams
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

ORGANIZE = "library.organize"


def _relative(path: str, root: str) -> str:
    return path[len(root) :].lstrip("/") if path.startswith(root) else path


def plan_result(plan: Plan) -> dict[str, Any]:
    """A plan as the job's result: every planned move and conflict (what a dry run shows)."""
    return {
        "moves": [
            {
                "media_file_id": m.media_file_id,
                "video_id": m.video_id,
                "from_root_folder_id": m.src_root_id,
                "from": _relative(m.src, m.src_root),
                "to_root_folder_id": m.root_folder_id,
                "to": m.dst_relative,
                "sidecars": [_relative(dst, m.dst[: -len(m.dst_relative)]) for _src, dst in m.sidecars],
            }
            for m in plan.moves
        ],
        "conflicts": [
            {"media_file_id": c.media_file_id, "video_id": c.video_id, "path": c.path, "reason": c.reason}
            for c in plan.conflicts
        ],
        "unchanged": plan.unchanged,
    }


@job_type(
    ORGANIZE,
    OrganizeParams,
    description="Moves video files (with their sidecars) to where the naming template says, journaled so a "
    "crash is completed or rolled back; with dry_run, lists the planned moves and conflicts only.",
    priority=-1,
    max_attempts=3,
    timeout_s=6 * 3600,
    dedupe=True,
    concurrency=1,
    required_role=Role.MANAGER,
)
async def organize(ctx: JobContext, params: OrganizeParams) -> JobResult:
    recovered = await recovery.recover_moves(ctx.session, now=ctx.now(), own_job_id=ctx.job_id)
    await ctx.progress(0.0, "planning")
    plan = await service.make_plan(
        ctx.reader,
        video_ids=params.video_ids,
        artist_ids=params.artist_ids,
        root_folder_id=params.root_folder_id,
        flt=params.filter.to_filter() if params.filter is not None else None,
    )
    if params.dry_run:
        await ctx.progress(1.0, f"{len(plan.moves)} moves planned, {len(plan.conflicts)} conflicts")
        return {"dry_run": True, **plan_result(plan)}

    async def progress(done: int, total: int) -> None:
        await ctx.progress(done / total if total else 1.0, f"{done} of {total} files moved")

    applied = await moves.apply_plan(
        ctx.session, plan, job_id=ctx.job_id, progress=progress, should_stop=ctx.should_abort
    )
    ctx.check_abort()
    await ctx.log(
        "info",
        f"organised: {applied.moved} moved ({applied.sidecars_moved} sidecars), {plan.unchanged} already in place, "
        f"{len(plan.conflicts) + len(applied.conflicts)} conflicts, {len(applied.failed)} failed",
    )
    return {
        "dry_run": False,
        "moved": applied.moved,
        "sidecars_moved": applied.sidecars_moved,
        "unchanged": plan.unchanged,
        "removed_folders": applied.removed_folders,
        "conflicts": [
            {"media_file_id": c.media_file_id, "video_id": c.video_id, "path": c.path, "reason": c.reason}
            for c in plan.conflicts
        ]
        + applied.conflicts,
        "failed": applied.failed,
        "recovered": {"completed": recovered.completed, "rolled_back": recovered.rolled_back},
    }


async def organise_after_scan(ctx: JobContext, root_folder_id: int) -> int | None:
    """Start `library.organize` for a root folder after its scan, when `library.organize_after_scan` is on."""
    async with ctx.reader() as session:
        enabled = await runtime_settings.get(session, setting_keys.ORGANIZE_AFTER_SCAN)
    if not enabled:
        return None
    return await ctx.spawn(ORGANIZE, OrganizeParams(root_folder_id=root_folder_id))
