"""Applying an organise plan: journaled moves in batches, then tidying the folders they left.

Every move follows one order: (1) a `file_move` row in state `pending` is committed, (2) the files
move, (3) the `media_file` row and the journal row change in one transaction. A crash between (1)
and (3) leaves a pending row; `mvidarr.organise.recovery` settles it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.db import utcnow
from mvidarr.models import FileMove, FileMoveState, MediaFile
from mvidarr.organise import fileops
from mvidarr.organise.plan import Plan, PlannedMove

log = logging.getLogger("mvidarr.organise")
Sessions = async_sessionmaker[AsyncSession]
APPLY_BATCH = 250


@dataclass(slots=True)
class MoveOutcome:
    move: PlannedMove
    journal_id: int
    state: FileMoveState
    error: str | None = None
    moved_sidecars: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class ApplyResult:
    moved: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    removed_folders: int = 0
    sidecars_moved: int = 0


def _move_one(move: PlannedMove) -> tuple[FileMoveState, str | None, list[tuple[str, str]]]:
    """Move a video and its sidecars (blocking). The video decides the outcome; sidecars follow it."""
    try:
        move_file(Path(move.src), Path(move.dst), sync=False)
    except fileops.DestinationExistsError:
        return FileMoveState.ROLLED_BACK, "destination is taken", []
    except OSError as exc:
        return FileMoveState.FAILED, f"{type(exc).__name__}: {exc}", []
    moved: list[tuple[str, str]] = []
    for src, dst in move.sidecars:
        try:
            move_file(Path(src), Path(dst), sync=False)
            moved.append((src, dst))
        except OSError as exc:
            log.warning("sidecar %s stays where it is: %s", src, exc)
    return FileMoveState.DONE, None, moved


# Indirections the crash tests replace to stop the process at a precise point.
move_file = fileops.move_file


def _move_batch(moves: list[tuple[PlannedMove, int]]) -> list[MoveOutcome]:
    outcomes: list[MoveOutcome] = []
    folders: set[Path] = set()
    for move, journal_id in moves:
        state, error, moved = _move_one(move)
        outcomes.append(MoveOutcome(move, journal_id, state, error, moved))
        if state is FileMoveState.DONE:
            folders.add(Path(move.src).parent)
            folders.add(Path(move.dst).parent)
            folders.update(Path(dst).parent.parent for _src, dst in moved)
            folders.add(Path(move.dst).parent.parent)
    # Durable before the database says so: a renamed entry lost at power failure would orphan the row.
    fileops.fsync_dirs(folders)
    return outcomes


async def _journal(writer: Sessions, moves: list[PlannedMove], job_id: int | None) -> list[int]:
    async with writer() as session:
        rows = [
            FileMove(
                job_id=job_id,
                media_file_id=m.media_file_id,
                root_folder_id=m.root_folder_id,
                src_path=m.src,
                dst_path=m.dst,
                dst_relative_path=m.dst_relative,
                sidecars=[list(pair) for pair in m.sidecars],
                state=FileMoveState.PENDING,
            )
            for m in moves
        ]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows]


async def _record(writer: Sessions, outcomes: list[MoveOutcome]) -> None:
    """The database side of a batch: media file rows and journal rows in one transaction."""
    now = utcnow()
    async with writer() as session:
        for outcome in outcomes:
            move = outcome.move
            if outcome.state is FileMoveState.DONE:
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id == move.media_file_id)
                    .values(
                        root_folder_id=move.root_folder_id, relative_path=move.dst_relative, relative_path_bytes=None
                    )
                )
            await session.execute(
                update(FileMove)
                .where(FileMove.id == outcome.journal_id)
                .values(
                    state=outcome.state,
                    error=outcome.error,
                    sidecars=[list(p) for p in outcome.moved_sidecars],
                    finished_at=now,
                )
            )
        await session.commit()


record = _record


async def apply_plan(
    writer: Sessions,
    plan: Plan,
    *,
    job_id: int | None = None,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Carry out a plan in journaled batches; a destination still taken is retried after the others moved."""
    result = ApplyResult()
    todo = list(plan.moves)
    total = len(todo)
    done_count = 0
    vacated: dict[Path, Path] = {}
    while todo:
        retry: list[PlannedMove] = []
        for start in range(0, len(todo), APPLY_BATCH):
            if should_stop is not None and should_stop():
                return result
            batch = todo[start : start + APPLY_BATCH]
            ids = await _journal(writer, batch, job_id)
            outcomes = await asyncio.to_thread(_move_batch, list(zip(batch, ids, strict=True)))
            await record(writer, outcomes)
            for outcome in outcomes:
                move = outcome.move
                if outcome.state is FileMoveState.DONE:
                    result.moved += 1
                    result.sidecars_moved += len(outcome.moved_sidecars)
                    vacated[Path(move.src).parent] = Path(move.src)
                elif outcome.state is FileMoveState.ROLLED_BACK:
                    retry.append(move)
                else:
                    result.failed.append(
                        {"media_file_id": move.media_file_id, "path": move.src, "error": outcome.error}
                    )
            done_count += len(batch)
            if progress is not None:
                await progress(min(done_count, total), total)
        if len(retry) == len(todo):
            result.conflicts.extend(
                {
                    "media_file_id": m.media_file_id,
                    "video_id": m.video_id,
                    "path": m.dst,
                    "reason": "destination is taken",
                }
                for m in retry
            )
            break
        todo = retry
    result.removed_folders = await asyncio.to_thread(_remove_vacated, plan, list(vacated))
    return result


# Files that belong to an artist's folder rather than to one video (written by the NFO job).
ARTIST_FOLDER_FILES = frozenset({"artist.nfo", "folder.jpg", "fanart.jpg"})


def _carry_artist_files(plan: Plan, folders: list[Path]) -> None:
    """An artist folder whose videos all moved to one new folder takes its artist.nfo and images along.

    Only when nothing else is left in it; a name already taken in the new folder is left where it
    is (the folder then stays, and nothing is overwritten).
    """
    targets: dict[Path, set[Path]] = {}
    for move in plan.moves:
        targets.setdefault(Path(move.src).parent, set()).add(Path(move.dst).parent)
    for folder in folders:
        destinations = targets.get(folder, set())
        if len(destinations) != 1 or folder in destinations:
            continue
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        if not entries or any(entry.name not in ARTIST_FOLDER_FILES or not entry.is_file() for entry in entries):
            continue
        destination = next(iter(destinations))
        for entry in entries:
            with contextlib.suppress(fileops.DestinationExistsError, FileNotFoundError):
                fileops.move_file(entry, destination / entry.name)


def _remove_vacated(plan: Plan, folders: list[Path]) -> int:
    """Remove folders the moves left empty (and their empty parents), never a root folder."""
    _carry_artist_files(plan, folders)
    roots = {Path(m.src).parent: Path(m.src_root) for m in plan.moves}
    removed = 0
    for folder in folders:
        root = roots.get(folder)
        if root is not None:
            removed += len(fileops.remove_empty_dirs([folder], stop=root))
    return removed
