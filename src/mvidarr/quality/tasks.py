"""`media.probe`: probe a selection of files again and refresh their quality (the analyze action)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from sqlalchemy import func, select, update

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.kit.queries import AnySelect
from mvidarr.library.walk import absolute_path
from mvidarr.media.probe import ProbeResult, probe_file
from mvidarr.models import MediaFile, RootFolder, Video
from mvidarr.quality.schemas import AnalyzeRequest

PROBE = "media.probe"
PAGE = 100


def _stat(path: str) -> tuple[int, float] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime


def _stats(paths: list[str]) -> list[tuple[int, float] | None]:
    return [_stat(path) for path in paths]


async def _probe(ctx: JobContext, path: str, stat: tuple[int, float] | None) -> ProbeResult | None:
    if stat is None:
        return None
    try:
        return await ctx.to_process(probe_file, path)
    except Exception as exc:  # this file's failure, not the job's
        return ProbeResult(error=f"probe failed: {type(exc).__name__}: {exc}")


def _selection(params: AnalyzeRequest, stmt: AnySelect) -> AnySelect:
    stmt = stmt.where(MediaFile.is_current.is_(True), MediaFile.missing_at.is_(None))
    if params.video_ids is not None:
        return stmt.where(MediaFile.video_id.in_(params.video_ids))
    if params.artist_id is not None:
        return stmt.join(Video, Video.id == MediaFile.video_id).where(Video.artist_id == params.artist_id)
    if params.root_folder_id is not None:
        return stmt.where(MediaFile.root_folder_id == params.root_folder_id)
    return stmt


@job_type(
    PROBE,
    AnalyzeRequest,
    description="Probes the current files of the chosen videos again and refreshes their quality label and score.",
    priority=-1,
    max_attempts=1,
    timeout_s=12 * 3600,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def analyze(ctx: JobContext, params: AnalyzeRequest) -> JobResult:
    async with ctx.reader() as session:
        total = int(await session.scalar(_selection(params, select(func.count()).select_from(MediaFile))) or 0)
    done = probed = failed = gone = 0
    last_id = 0
    while not ctx.should_abort():
        async with ctx.reader() as session:
            rows = (
                await session.execute(
                    _selection(
                        params,
                        select(MediaFile.id, MediaFile.video_id, MediaFile.relative_path, MediaFile.relative_path_bytes)
                        .add_columns(RootFolder.path.label("root_path"))
                        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id),
                    )
                    .where(MediaFile.id > last_id)
                    .order_by(MediaFile.id)
                    .limit(PAGE)
                )
            ).all()
        if not rows:
            break
        last_id = rows[-1].id
        paths = [absolute_path(r.root_path, r.relative_path, r.relative_path_bytes) for r in rows]
        stats = await ctx.to_thread(_stats, paths)
        results = await asyncio.gather(*(_probe(ctx, p, s) for p, s in zip(paths, stats, strict=True)))
        async with ctx.session() as session:
            for row, stat, result in zip(rows, stats, results, strict=True):
                if stat is None or result is None:
                    gone += 1
                    await ctx.log("warning", f"{row.relative_path}: not on disk (a library scan will mark it missing)")
                    continue
                values: dict[str, Any] = {**result.as_columns(), "size": stat[0], "mtime": stat[1]}
                values["analysed_at"] = ctx.now()
                await session.execute(update(MediaFile).where(MediaFile.id == row.id).values(**values))
                if row.video_id is not None and result.duration_s:
                    await session.execute(
                        update(Video).where(Video.id == row.video_id).values(duration_s=result.duration_s)
                    )
                probed += 1
                if result.error:
                    failed += 1
                    await ctx.log("warning", f"{row.relative_path}: {result.error}")
            await session.commit()
        done += len(rows)
        await ctx.progress(done / max(total, 1), f"probed {probed} of {total} files, {failed} unreadable")
    return {"files": total, "probed": probed, "unreadable": failed, "not_on_disk": gone}
