"""The trash: files of deleted (or merged-away) videos are moved into `<root>/.mvidarr-trash/`, listed,
restored to where they were (or a free variant), and purged by hand or after the retention setting.

The `trash_entry` row is the journal: it is committed *before* its file moves, and set to
`trashed` in the same transaction that deletes the database rows. A row left `moving` (a crash,
or a transaction that rolled back after the move) is settled by the purge job: the file goes back
where its media_file row still points, or the entry is completed.

At the ~400-line mark on purpose: trashing, restoring, purging and settling follow one journal protocol
(`trash_entry` states and the file moves); split, the protocol would be spread over files.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.guard import Principal
from mvidarr.db import utcnow
from mvidarr.errors import Conflict, Forbidden, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.library.tasks import SCAN, LibraryScanParams
from mvidarr.library.walk import absolute_path
from mvidarr.models import Artist, MediaFile, Role, RootFolder, TrashEntry, TrashState, Video
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.trash import files, snapshots
from mvidarr.trash.schemas import RestoreResult, TrashEntryPublic

STALE_MOVING = timedelta(minutes=10)
"""A journal row still `moving` after this long belongs to a request that will never finish it."""


class TrashEntryNotFound(NotFound):
    def __init__(self, entry_id: int) -> None:
        super().__init__(f"trash entry {entry_id} does not exist")


class TrashMoveFailed(Conflict):
    """A file could not be moved into the trash; nothing was deleted."""


@dataclass(frozen=True, slots=True)
class _FileRow:
    media_file_id: int
    root_folder_id: int
    root_path: str
    relative_path: str
    relative_path_bytes: bytes | None
    size: int
    video_id: int | None
    video_title: str | None
    artist_name: str | None

    @property
    def located(self) -> files.Located:
        full = absolute_path(self.root_path, self.relative_path, self.relative_path_bytes)
        return files.Located(root=self.root_path, relative=os.path.relpath(full, self.root_path))


async def _file_rows(
    session: AsyncSession, *, video_ids: Sequence[int] = (), file_ids: Sequence[int] = ()
) -> list[_FileRow]:
    stmt = (
        select(
            MediaFile.id,
            MediaFile.root_folder_id,
            RootFolder.path,
            MediaFile.relative_path,
            MediaFile.relative_path_bytes,
            MediaFile.size,
            MediaFile.video_id,
            Video.title,
            Artist.name,
        )
        .join(RootFolder, RootFolder.id == MediaFile.root_folder_id)
        .outerjoin(Video, Video.id == MediaFile.video_id)
        .outerjoin(Artist, Artist.id == Video.artist_id)
        .order_by(MediaFile.id)
    )
    if video_ids:
        stmt = stmt.where(MediaFile.video_id.in_(list(video_ids)))
    elif file_ids:
        stmt = stmt.where(MediaFile.id.in_(list(file_ids)))
    else:
        return []
    return [_FileRow(*row) for row in (await session.execute(stmt)).all()]


async def _retention(session: AsyncSession) -> timedelta:
    return timedelta(days=await runtime_settings.get(session, setting_keys.TRASH_RETENTION_DAYS))


def _entry_folder(now: datetime) -> str:
    return f"{files.TRASH_DIR}/{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


async def trash_files(
    session: AsyncSession,
    *,
    video_ids: Sequence[int] = (),
    file_ids: Sequence[int] = (),
    reason: str,
    user_id: int | None,
) -> list[TrashEntry]:
    """Move the files of these videos (or these media files) into the trash and forget their rows.

    Commits the caller's session once, to make the journal durable before anything moves. If any
    file cannot be moved, the ones already moved go back and TrashMoveFailed (409) is raised.
    Returns the entries (files already gone from disk get none; their rows are forgotten too).
    """
    rows = await _file_rows(session, video_ids=video_ids, file_ids=file_ids)
    if not rows:
        return []
    now = utcnow()
    until = now + await _retention(session)
    kept_rows = await snapshots.take(session, [row.media_file_id for row in rows if row.video_id is not None])
    entries = [
        TrashEntry(
            root_folder_id=row.root_folder_id,
            original_path=row.relative_path,
            original_path_bytes=row.relative_path_bytes,
            trash_path=_entry_folder(now),
            sidecars=[],
            size=row.size,
            state=TrashState.MOVING,
            reason=reason,
            video_id=row.video_id,
            artist_name=row.artist_name,
            video_title=row.video_title,
            deleted_by=user_id,
            deleted_at=now,
            restorable_until=until,
            snapshot=kept_rows.get(row.media_file_id),
        )
        for row in rows
    ]
    session.add_all(entries)
    await session.commit()  # the journal is on disk before any file moves
    results = await asyncio.to_thread(_move_all, rows, entries)
    failed = [r.error for r in results if r.error]
    if failed:
        await asyncio.to_thread(_move_back, rows, entries, results)
        for entry in entries:
            await session.delete(entry)
        await session.commit()
        raise TrashMoveFailed(f"cannot move to the trash, nothing was deleted: {'; '.join(failed[:3])}")
    kept: list[TrashEntry] = []
    for row, entry, result in zip(rows, entries, results, strict=True):
        if result.found:
            entry.state = TrashState.TRASHED
            entry.sidecars = result.sidecars
            kept.append(entry)
            await raise_event(session, catalogue.VIDEO_TRASHED, _file_event(row, reason))
        else:
            await session.delete(entry)
    await session.execute(delete(MediaFile).where(MediaFile.id.in_([r.media_file_id for r in rows])))
    await asyncio.to_thread(_tidy, rows)
    await session.flush()
    return kept


def _file_event(row: _FileRow, reason: str) -> dict[str, Any]:
    return {
        "video_id": row.video_id,
        "artist": row.artist_name,
        "title": row.video_title,
        "path": os.path.join(row.root_path, row.located.relative),
        "reason": reason,
    }


def _move_all(rows: list[_FileRow], entries: list[TrashEntry]) -> list[files.Moved]:
    results: list[files.Moved] = []
    for row, entry in zip(rows, entries, strict=True):
        result = files.trash_one(row.located, entry.trash_path)
        results.append(result)
        if result.error:
            break
    return results + [files.Moved(found=False)] * (len(rows) - len(results))


def _move_back(rows: list[_FileRow], entries: list[TrashEntry], results: list[files.Moved]) -> None:
    for row, entry, result in zip(rows, entries, results, strict=True):
        if result.found and not result.error:
            files.untrash(row.root_path, entry.trash_path, row.located.relative, result.sidecars, free=False)


def _tidy(rows: list[_FileRow]) -> None:
    by_root: dict[str, list[str]] = {}
    for row in rows:
        by_root.setdefault(row.root_path, []).append(row.located.relative)
    for root, relatives in by_root.items():
        files.tidy(root, relatives)


async def delete_files_now(session: AsyncSession, *, video_ids: Sequence[int]) -> int:
    """Delete the files of these videos for good (admins' `permanent=true`); returns how many were on disk."""
    rows = await _file_rows(session, video_ids=video_ids)
    deleted = 0
    for row in rows:
        if await asyncio.to_thread(files.delete_now, row.located):
            deleted += 1
            await raise_event(session, catalogue.VIDEO_DELETED, _file_event(row, "deleted for good"))
    if rows:
        await session.execute(delete(MediaFile).where(MediaFile.id.in_([r.media_file_id for r in rows])))
        await session.flush()
    return deleted


def _public(entry: TrashEntry, root_path: str) -> TrashEntryPublic:
    return TrashEntryPublic(
        id=entry.id,
        root_folder_id=entry.root_folder_id,
        original_path=entry.original_path,
        trash_path=f"{root_path.rstrip('/')}/{entry.trash_path}",
        sidecars=list(entry.sidecars),
        size=entry.size,
        reason=entry.reason,
        video_id=entry.video_id,
        artist_name=entry.artist_name,
        video_title=entry.video_title,
        deleted_by=entry.deleted_by,
        deleted_at=entry.deleted_at,
        restorable_until=entry.restorable_until,
    )


async def list_entries(
    session: AsyncSession, page: PageParams, *, root_folder_id: int | None
) -> Page[TrashEntryPublic]:
    where = [TrashEntry.state == TrashState.TRASHED]
    if root_folder_id is not None:
        where.append(TrashEntry.root_folder_id == root_folder_id)
    total = int(await session.scalar(select(func.count()).select_from(TrashEntry).where(*where)) or 0)
    rows = (
        await session.execute(
            select(TrashEntry, RootFolder.path)
            .join(RootFolder, RootFolder.id == TrashEntry.root_folder_id)
            .where(*where)
            .order_by(TrashEntry.deleted_at.desc(), TrashEntry.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        )
    ).all()
    return Page(
        items=[_public(entry, path) for entry, path in rows], total=total, page=page.page, page_size=page.page_size
    )


async def _get(session: AsyncSession, entry_id: int) -> tuple[TrashEntry, str]:
    row = (
        await session.execute(
            select(TrashEntry, RootFolder.path)
            .join(RootFolder, RootFolder.id == TrashEntry.root_folder_id)
            .where(TrashEntry.id == entry_id, TrashEntry.state == TrashState.TRASHED)
        )
    ).first()
    if row is None:
        raise TrashEntryNotFound(entry_id)
    return row[0], row[1]


def _relative(entry: TrashEntry) -> str:
    if entry.original_path_bytes is not None:
        return os.fsdecode(entry.original_path_bytes)
    return entry.original_path


async def restore(
    session: AsyncSession, events: EventHub, clock: Clock, entry_id: int, user_id: int | None
) -> RestoreResult:
    """Move the file back to its path (or a free variant if taken; removed folders are created again),
    bring its video back under its old id when the entry kept it, and start a scan of its root folder."""
    entry, root_path = await _get(session, entry_id)
    try:
        landed = await asyncio.to_thread(
            files.untrash, root_path, entry.trash_path, _relative(entry), list(entry.sidecars), free=True
        )
    except FileNotFoundError:
        raise Conflict(f"the trashed file of entry {entry_id} is no longer in the trash folder") from None
    except OSError as exc:
        raise Conflict(f"cannot restore entry {entry_id}: {exc.strerror or exc}") from None
    await asyncio.to_thread(files.purge, root_path, entry.trash_path)  # the now empty entry folder
    video_id = await snapshots.revive(session, entry, *files.stored_path(landed))
    await session.delete(entry)
    scan, _created = await jobs.enqueue(
        session, events, SCAN, LibraryScanParams(root_folder_id=entry.root_folder_id), created_by=user_id, clock=clock
    )
    await session.flush()
    return RestoreResult(
        id=entry_id,
        root_folder_id=entry.root_folder_id,
        restored_path=landed,
        renamed=landed != _relative(entry),
        video_id=video_id,
        scan_job_id=scan.id,
    )


async def purge_entry(session: AsyncSession, entry_id: int) -> None:
    entry, root_path = await _get(session, entry_id)
    await asyncio.to_thread(files.purge, root_path, entry.trash_path)
    await session.delete(entry)
    await session.flush()


async def purge_expired(session: AsyncSession, now: datetime, limit: int = 200) -> int:
    """Purge up to `limit` entries past their date; returns how many."""
    rows = (
        await session.execute(
            select(TrashEntry, RootFolder.path)
            .join(RootFolder, RootFolder.id == TrashEntry.root_folder_id)
            .where(TrashEntry.state == TrashState.TRASHED, TrashEntry.restorable_until <= now)
            .order_by(TrashEntry.id)
            .limit(limit)
        )
    ).all()
    for entry, root_path in rows:
        await asyncio.to_thread(files.purge, root_path, entry.trash_path)
        await session.delete(entry)
    await session.flush()
    return len(rows)


async def settle_stale(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Finish or undo journal rows left `moving`: if the file's media_file row still exists the
    deletion never committed, so the file goes back; otherwise the entry is completed (or dropped
    when its file is nowhere in the trash)."""
    rows = (
        await session.execute(
            select(TrashEntry, RootFolder.path)
            .join(RootFolder, RootFolder.id == TrashEntry.root_folder_id)
            .where(TrashEntry.state == TrashState.MOVING, TrashEntry.deleted_at <= now - STALE_MOVING)
            .order_by(TrashEntry.id)
            .limit(500)
        )
    ).all()
    counts = {"returned": 0, "completed": 0, "dropped": 0}
    for entry, root_path in rows:
        relative = _relative(entry)
        in_trash = await asyncio.to_thread(os.path.isfile, os.path.join(root_path, entry.trash_path, relative))
        still_known = await session.scalar(
            select(MediaFile.id).where(
                MediaFile.root_folder_id == entry.root_folder_id, MediaFile.relative_path == entry.original_path
            )
        )
        if still_known is not None:
            if in_trash:
                sidecars = await asyncio.to_thread(_sidecars_in_trash, root_path, entry.trash_path, relative)
                await asyncio.to_thread(files.untrash, root_path, entry.trash_path, relative, sidecars, free=False)
                await asyncio.to_thread(files.purge, root_path, entry.trash_path)
            counts["returned"] += 1
            await session.delete(entry)
        elif in_trash:
            entry.state = TrashState.TRASHED
            entry.sidecars = await asyncio.to_thread(_sidecars_in_trash, root_path, entry.trash_path, relative)
            counts["completed"] += 1
        else:
            counts["dropped"] += 1
            await session.delete(entry)
    await session.flush()
    return counts


def _sidecars_in_trash(root_path: str, folder: str, relative: str) -> list[str]:
    main = os.path.join(root_path, folder, relative)
    return [p.name for p in files.sidecars_of(Path(main))]


class PermanentNeedsAdmin(Forbidden):
    def __init__(self) -> None:
        super().__init__("deleting files without keeping them in the trash (permanent=true) needs the admin role")


def check_permanent(principal: Principal, permanent: bool) -> None:
    if permanent and not principal.role.at_least(Role.ADMIN):
        raise PermanentNeedsAdmin()


async def remove_video_files(
    session: AsyncSession, video_ids: Sequence[int], *, permanent: bool, reason: str, user_id: int | None
) -> dict[str, int]:
    """The files of videos being deleted: to the trash, or (permanent) deleted for good."""
    if permanent:
        return {"deleted_files": await delete_files_now(session, video_ids=video_ids)}
    entries = await trash_files(session, video_ids=video_ids, reason=reason, user_id=user_id)
    return {"trashed_files": len(entries)}


async def artist_video_ids(session: AsyncSession, artist_id: int) -> list[int]:
    return list((await session.execute(select(Video.id).where(Video.artist_id == artist_id))).scalars())
