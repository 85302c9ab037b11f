"""Organising: planning from the database, journaled moves, crash recovery, and placing new files.

Every move follows one order: (1) a `file_move` row in state `pending` is committed, (2) the files
move, (3) the `media_file` row and the journal row change in one transaction. A crash between (1)
and (3) leaves a pending row; `recover_moves` finds where the file really is and completes the
move (and the database) or rolls it back, so no file is lost and the database matches the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from mvidarr.db import utcnow
from mvidarr.errors import CONTENT, InvalidInput, NotFound
from mvidarr.library.service import NoRootFolder
from mvidarr.library.walk import absolute_path
from mvidarr.models import Artist, FileMove, FileMoveState, Job, JobStatus, MediaFile, RootFolder, Video, VideoKind
from mvidarr.organise import fileops
from mvidarr.organise.naming import (
    BRACKET_RULE,
    TOKENS,
    NamingFields,
    Template,
    TemplateError,
    parse_template,
    sample_fields,
)
from mvidarr.organise.plan import Candidate, Plan, PlannedMove, plan_moves, sidecars_of
from mvidarr.organise.sanitise import numbered, split_extension
from mvidarr.organise.schemas import NamingExample, NamingPreview
from mvidarr.settings import service as runtime_settings
from mvidarr.videos import repository as video_repository
from mvidarr.videos.repository import VideoFilter

log = logging.getLogger("mvidarr.organise")
Sessions = async_sessionmaker[AsyncSession]
LOAD_PAGE = 2000
APPLY_BATCH = 250
# A pending journal row with no live job is settled once it is this old (its mover is gone).
DEFAULT_STALE_S = 60.0


async def current_template(session: AsyncSession) -> Template:
    source = str(await runtime_settings.get_value(session, "library.naming_template"))
    try:
        return parse_template(source)
    except TemplateError as exc:
        # The setting is validated when saved; a bad stored value is still a user-fixable problem.
        raise InvalidInput(f"library.naming_template: {exc}", loc=("library.naming_template",), type_=CONTENT) from None


def _fields(row: Any) -> NamingFields:
    return NamingFields(
        artist=row.artist_name,
        artist_sort=row.artist_sort,
        title=row.title,
        version=row.version or "",
        year=row.year,
        album=row.album,
        kind=row.kind or "",
        quality=row.quality_label,
        video_codec=row.video_codec,
        imvdb_id=row.imvdb_id,
        youtube_id=row.youtube_id,
    )


async def load_candidates(
    session: AsyncSession,
    *,
    video_ids: Sequence[int] | None = None,
    artist_ids: Sequence[int] | None = None,
    root_folder_id: int | None = None,
    flt: VideoFilter | None = None,
) -> list[Candidate]:
    """The current, present file of every selected video (all videos when no selection), read in pages."""
    target = aliased(RootFolder)
    where: list[ColumnElement[bool]] = [
        MediaFile.is_current.is_(True),
        MediaFile.video_id.is_not(None),
        MediaFile.missing_at.is_(None),
    ]
    if video_ids is not None:
        where.append(MediaFile.video_id.in_(list(video_ids)))
    if artist_ids is not None:
        where.append(Video.artist_id.in_(list(artist_ids)))
    if root_folder_id is not None:
        where.append(MediaFile.root_folder_id == root_folder_id)
    query = (
        select(
            MediaFile.id,
            MediaFile.video_id,
            MediaFile.root_folder_id,
            MediaFile.relative_path,
            MediaFile.relative_path_bytes,
            MediaFile.quality_label,
            MediaFile.video_codec,
            RootFolder.path.label("root_path"),
            target.id.label("target_id"),
            target.path.label("target_path"),
            Video.title,
            Video.version,
            Video.year,
            Video.album,
            Video.kind,
            Video.imvdb_id,
            Video.youtube_id,
            Artist.name.label("artist_name"),
            Artist.sort_name.label("artist_sort"),
        )
        .join(Video, Video.id == MediaFile.video_id)
        .join(Artist, Artist.id == Video.artist_id)
        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
        .outerjoin(target, target.id == Artist.root_folder_id)
        .where(*where)
        .order_by(MediaFile.id)
        .limit(LOAD_PAGE)
    )
    if flt is not None:
        query = video_repository.matching(query, flt, file_joined=True)
    out: list[Candidate] = []
    last = 0
    while True:
        rows = (await session.execute(query.where(MediaFile.id > last))).all()
        for row in rows:
            path = absolute_path(row.root_path, row.relative_path, row.relative_path_bytes)
            out.append(
                Candidate(
                    media_file_id=row.id,
                    video_id=row.video_id,
                    root_folder_id=row.root_folder_id,
                    root_path=row.root_path,
                    path=path,
                    target_root_id=row.target_id if row.target_id is not None else row.root_folder_id,
                    target_root_path=row.target_path if row.target_id is not None else row.root_path,
                    fields=_fields(row),
                )
            )
        if len(rows) < LOAD_PAGE:
            return out
        last = rows[-1].id


async def make_plan(
    reader: Sessions,
    *,
    video_ids: Sequence[int] | None = None,
    artist_ids: Sequence[int] | None = None,
    root_folder_id: int | None = None,
    flt: VideoFilter | None = None,
) -> Plan:
    """The organise plan for a selection (everything when no selection), from the saved template."""
    async with reader() as session:
        template = await current_template(session)
        candidates = await load_candidates(
            session, video_ids=video_ids, artist_ids=artist_ids, root_folder_id=root_folder_id, flt=flt
        )
    return await asyncio.to_thread(plan_moves, template, candidates)


# -- applying -------------------------------------------------------------------------------------


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


# -- recovery ------------------------------------------------------------------------------------


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
        if entry.name.startswith(fileops.PART_PREFIX):
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


# -- placing new files (downloads) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacedFile:
    media_file_id: int
    root_folder_id: int
    relative_path: str
    path: Path
    is_current: bool
    sidecars: list[Path]


def _free_destination(root: str, relative: str, after: int) -> tuple[int, str]:
    """The first numbered variant of `relative` (from `after + 1`) that is free on disk (blocking)."""
    folder, _, name = relative.rpartition("/")
    for n in range(after + 1, 1000):
        chosen = f"{folder}/{numbered(name, n)}" if folder else numbered(name, n)
        if not os.path.lexists(Path(root) / chosen):
            return n, chosen
    raise fileops.DestinationExistsError(17, "no free name up to (999)", relative)


def _sidecar_targets(source: Path, dst: Path, sidecars: Sequence[Path]) -> list[tuple[str, str]]:
    stem = source.stem
    pairs: list[tuple[str, str]] = []
    for sidecar in sidecars:
        suffix = sidecar.name[len(stem) :] if sidecar.name.startswith(stem) else "".join(sidecar.suffixes)
        pairs.append((str(sidecar), str(dst.with_name(dst.stem + suffix))))
    return pairs


def _place(source: Path, dst: Path, pairs: list[tuple[str, str]]) -> list[Path]:
    move_file(source, dst)
    placed: list[Path] = []
    for src, target in pairs:
        try:
            move_file(Path(src), Path(target))
            placed.append(Path(target))
        except OSError as exc:
            log.warning("sidecar %s not placed: %s", src, exc)
    return placed


async def place_file(
    writer: Sessions,
    video_id: int,
    source: Path,
    *,
    sidecars: Sequence[Path] = (),
    job_id: int | None = None,
    root_folder_id: int | None = None,
) -> PlacedFile:
    """Move a finished download into the library where the naming template says, journaled, and record it.

    The root folder is `root_folder_id`, else the artist's, else the first one. A taken name gets
    ` (2)`, ` (3)`. Sidecars named `<source stem><suffix>` keep their suffix beside the new name. A new
    `media_file` row is created; it is the video's current file only if the video has none yet.
    Raises `NotFound` (video), `NoRootFolder`, `FileNotFoundError` (source) or OSError from the move.
    """
    size = (await asyncio.to_thread(source.stat)).st_size
    async with writer() as session:
        template = await current_template(session)
        row = (
            await session.execute(
                select(
                    Video.title,
                    Video.version,
                    Video.year,
                    Video.album,
                    Video.kind,
                    Video.imvdb_id,
                    Video.youtube_id,
                    Artist.name.label("artist_name"),
                    Artist.sort_name.label("artist_sort"),
                    Artist.root_folder_id,
                )
                .join(Artist, Artist.id == Video.artist_id)
                .where(Video.id == video_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"video {video_id} does not exist")
        wanted = root_folder_id or row.root_folder_id
        root_query = select(RootFolder.id, RootFolder.path)
        root_query = (
            root_query.where(RootFolder.id == wanted) if wanted else root_query.order_by(RootFolder.id).limit(1)
        )
        root = (await session.execute(root_query)).one_or_none()
        if root is None:
            raise NoRootFolder("place the file in")
    fields = NamingFields(
        artist=row.artist_name,
        artist_sort=row.artist_sort,
        title=row.title,
        version=row.version or "",
        year=row.year,
        album=row.album,
        kind=row.kind or "",
        imvdb_id=row.imvdb_id,
        youtube_id=row.youtube_id,
    )
    relative = template.render_path(fields) + split_extension(source.name)[1].lower()
    n = 0
    while True:
        n, chosen = await asyncio.to_thread(_free_destination, root.path, relative, n)
        dst = Path(root.path) / chosen
        pairs = _sidecar_targets(source, dst, sidecars)
        ids = await _journal_one(writer, job_id, root.id, source, dst, chosen, pairs, size)
        try:
            placed = await asyncio.to_thread(_place, source, dst, pairs)
        except fileops.DestinationExistsError:
            await _finish_journal(writer, ids, FileMoveState.ROLLED_BACK, "destination is taken")
            continue  # someone took the name between the check and the move: try the next one
        except BaseException as exc:
            await _finish_journal(writer, ids, FileMoveState.ROLLED_BACK, f"{type(exc).__name__}: {exc}")
            raise
        break
    stat = await asyncio.to_thread(dst.stat)
    async with writer() as session:
        has_current = await session.scalar(
            select(MediaFile.id).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True)).limit(1)
        )
        media = MediaFile(
            video_id=video_id,
            root_folder_id=root.id,
            relative_path=chosen,
            is_current=has_current is None,
            size=stat.st_size,
            mtime=stat.st_mtime,
        )
        session.add(media)
        await session.flush()
        await session.execute(
            update(FileMove)
            .where(FileMove.id == ids)
            .values(state=FileMoveState.DONE, media_file_id=media.id, finished_at=utcnow())
        )
        await session.commit()
    return PlacedFile(media.id, root.id, chosen, dst, media.is_current, placed)


async def _journal_one(
    writer: Sessions,
    job_id: int | None,
    root_id: int,
    source: Path,
    dst: Path,
    relative: str,
    pairs: list[tuple[str, str]],
    size: int,
) -> int:
    async with writer() as session:
        journal = FileMove(
            job_id=job_id,
            root_folder_id=root_id,
            src_path=str(source),
            dst_path=str(dst),
            dst_relative_path=relative,
            sidecars=[list(p) for p in pairs],
            size=size,
            state=FileMoveState.PENDING,
        )
        session.add(journal)
        await session.commit()
        return journal.id


async def _finish_journal(writer: Sessions, journal_id: int, state: FileMoveState, error: str | None) -> None:
    async with writer() as session:
        await session.execute(
            update(FileMove).where(FileMove.id == journal_id).values(state=state, error=error, finished_at=utcnow())
        )
        await session.commit()


def sidecars_for(video_path: Path) -> list[Path]:
    """The sidecar files next to a video (what would move with it)."""
    return [Path(p) for p in sidecars_of(str(video_path))]


__all__ = [
    "ApplyResult",
    "NoRootFolder",
    "PlacedFile",
    "RecoveryResult",
    "apply_plan",
    "load_candidates",
    "make_plan",
    "place_file",
    "recover_moves",
]


# -- naming preview ------------------------------------------------------------------------------


async def preview_naming(session: AsyncSession, source: str | None, video_ids: Sequence[int] | None) -> NamingPreview:
    """What a template (or the saved one) gives for some videos; an invalid template is a precise 422."""
    if source is None:
        source = str(await runtime_settings.get_value(session, "library.naming_template"))
    try:
        template = parse_template(source)
    except TemplateError as exc:
        raise InvalidInput(str(exc), loc=("body", "template"), type_=CONTENT) from None
    examples: list[NamingExample] = []
    chosen = list(video_ids or []) or await _preview_video_ids(session)
    if chosen:
        rows = (
            await session.execute(
                select(
                    Video.id,
                    Video.title,
                    Video.version,
                    Video.year,
                    Video.album,
                    Video.kind,
                    Video.imvdb_id,
                    Video.youtube_id,
                    Artist.name.label("artist_name"),
                    Artist.sort_name.label("artist_sort"),
                    MediaFile.quality_label,
                    MediaFile.video_codec,
                )
                .join(Artist, Artist.id == Video.artist_id)
                .outerjoin(MediaFile, (MediaFile.video_id == Video.id) & MediaFile.is_current.is_(True))
                .where(Video.id.in_(chosen))
                .order_by(Video.id)
            )
        ).all()
        found = {row.id for row in rows}
        missing = [v for v in chosen if v not in found]
        if missing:
            raise NotFound(f"video {missing[0]} does not exist")
        for row in rows:
            fields = _fields(row)
            examples.append(
                NamingExample(
                    video_id=row.id, artist=fields.artist, title=fields.title, path=template.render_path(fields)
                )
            )
    else:
        examples = [
            NamingExample(video_id=None, artist=f.artist, title=f.title, path=template.render_path(f))
            for f in sample_fields()
        ]
    return NamingPreview(
        template=source,
        tokens=list(TOKENS),
        examples=examples,
        examples_from="library" if chosen else "samples",
        bracket_rule=BRACKET_RULE,
    )


PREVIEW_VIDEOS = 8


async def _preview_video_ids(session: AsyncSession) -> list[int]:
    """Some of the user's own videos with a file, those a template can get wrong first: with a
    version, or a kind other than official."""
    plain = (Video.version.is_(None) | (Video.version == "")) & (Video.kind == VideoKind.OFFICIAL)
    has_file = select(MediaFile.id).where(MediaFile.video_id == Video.id, MediaFile.is_current.is_(True)).exists()
    stmt = select(Video.id).where(has_file).order_by(plain, Video.id).limit(PREVIEW_VIDEOS)
    return list((await session.execute(stmt)).scalars())
