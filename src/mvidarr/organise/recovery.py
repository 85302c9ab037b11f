"""Crash recovery of organise moves: a pending journal row whose mover is gone is settled.

`recover_moves` finds where the file really is and completes the move (and the database) or rolls
it back, so no file is lost and the database matches the disk.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.db import utcnow
from mvidarr.kit.atomic import PART_PREFIX
from mvidarr.models import FileMove, FileMoveState, Job, JobStatus, MediaFile
from mvidarr.organise import fileops

log = logging.getLogger("mvidarr.organise")
Sessions = async_sessionmaker[AsyncSession]
# A pending journal row with no live job is settled once it is this old (its mover is gone).
DEFAULT_STALE_S = 60.0


@dataclass(slots=True)
class RecoveryResult:
    completed: int = 0
    rolled_back: int = 0
    failed: int = 0


def _old_parts(folder: Path, older_than_s: float) -> None:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    limit = time.time() - older_than_s
    for entry in entries:
        if entry.name.startswith(PART_PREFIX):
            try:
                if entry.lstat().st_ctime < limit:
                    entry.unlink()
            except OSError:
                pass


def _settle_pair(src: Path, dst: Path, forward: bool) -> None:
    """Put one sidecar where the video went (forward) or back where it was."""
    a, b = (src, dst) if forward else (dst, src)
    if os.path.lexists(a) and not os.path.lexists(b):
        try:
            fileops.move_file(a, b)
        except OSError as exc:
            log.warning("recovery could not move sidecar %s: %s", a, exc)
    elif os.path.lexists(a) and os.path.lexists(b) and fileops.same_content(a, b):
        a.unlink()


def settle(
    src_path: str, dst_path: str, sidecars: list[list[str]], part_age_s: float
) -> tuple[FileMoveState, str | None]:
    """Where an interrupted move really is, made whole: DONE (completed) or ROLLED_BACK; FAILED if both are gone."""
    src, dst = Path(src_path), Path(dst_path)
    _old_parts(dst.parent, part_age_s)
    src_there, dst_there = os.path.lexists(src), os.path.lexists(dst)
    if src_there and dst_there:
        try:
            linked = os.path.samefile(src, dst)
        except OSError:
            linked = False
        if linked or fileops.same_content(src, dst):
            # The move had published the file but not yet removed the source.
            src.unlink()
            src_there = False
        else:
            # The destination is another file; the move never happened.
            dst_there = False
    if dst_there and not src_there:
        for pair_src, pair_dst in sidecars:
            _settle_pair(Path(pair_src), Path(pair_dst), forward=True)
        fileops.fsync_dirs([src.parent, dst.parent])
        return FileMoveState.DONE, None
    if src_there:
        for pair_src, pair_dst in sidecars:
            _settle_pair(Path(pair_src), Path(pair_dst), forward=False)
        fileops.remove_empty_dirs([dst.parent])
        return FileMoveState.ROLLED_BACK, None
    return FileMoveState.FAILED, f"the file is at neither {src} nor {dst}"


async def recover_moves(
    writer: Sessions,
    *,
    now: datetime | None = None,
    stale_s: float = DEFAULT_STALE_S,
    own_job_id: int | None = None,
    worker_gone: Callable[[str], bool] | None = None,
) -> RecoveryResult:
    """Settle every pending journal row whose mover is gone: its job ended or lost its lease, or (without
    a job) it is older than `stale_s`. Rows of `own_job_id` (an earlier attempt of the caller) count as gone,
    and so do rows of a running job whose worker `worker_gone` says is dead (start-up recovery: a killed
    process's lease runs on for a minute, its moves need not wait for it)."""
    now = now or utcnow()
    result = RecoveryResult()
    before = now - timedelta(seconds=stale_s)
    async with writer() as session:
        rows = (
            await session.execute(
                select(FileMove, Job.status, Job.lease_expires_at, Job.worker_id)
                .outerjoin(Job, Job.id == FileMove.job_id)
                .where(FileMove.state == FileMoveState.PENDING)
                .order_by(FileMove.id)
            )
        ).all()
    for move, job_status, lease, worker_id in rows:
        if (move.job_id is not None and move.job_id == own_job_id) or (
            worker_gone is not None and job_status == JobStatus.RUNNING and worker_id and worker_gone(worker_id)
        ):
            gone = True
        elif move.job_id is None or job_status is None:
            gone = move.created_at <= before
        else:
            gone = job_status != JobStatus.RUNNING or lease is None or lease <= now
        if not gone:
            continue
        state, error = await asyncio.to_thread(settle, move.src_path, move.dst_path, move.sidecars, stale_s)
        async with writer() as session:
            claimed = await session.execute(
                update(FileMove)
                .where(FileMove.id == move.id, FileMove.state == FileMoveState.PENDING)
                .values(state=state, error=error, finished_at=now)
            )
            if state is FileMoveState.DONE and move.media_file_id is not None and _rowcount(claimed):
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id == move.media_file_id)
                    .values(
                        root_folder_id=move.root_folder_id
                        if move.root_folder_id is not None
                        else MediaFile.root_folder_id,
                        relative_path=move.dst_relative_path,
                        relative_path_bytes=None,
                    )
                )
            await session.commit()
        if state is FileMoveState.DONE:
            result.completed += 1
        elif state is FileMoveState.ROLLED_BACK:
            result.rolled_back += 1
        else:
            result.failed += 1
            log.error("file move %s: %s", move.id, error)
    if rows:
        log.info(
            "move journal: %d completed, %d rolled back, %d failed",
            result.completed,
            result.rolled_back,
            result.failed,
        )
    return result


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
