"""Placing a new file (a finished download) in the library where the naming template says, journaled."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.db import utcnow
from mvidarr.errors import VideoNotFound
from mvidarr.library.service import NoRootFolder
from mvidarr.models import Artist, FileMove, FileMoveState, MediaFile, RootFolder, Video
from mvidarr.organise import fileops, moves
from mvidarr.organise.plan import sidecars_of
from mvidarr.organise.sanitise import numbered, split_extension
from mvidarr.organise.service import NAMING_COLUMNS, current_template, naming_fields

log = logging.getLogger("mvidarr.organise")
Sessions = async_sessionmaker[AsyncSession]


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
    moves.move_file(source, dst)
    placed: list[Path] = []
    for src, target in pairs:
        try:
            moves.move_file(Path(src), Path(target))
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
                select(*NAMING_COLUMNS, Artist.root_folder_id)
                .join(Artist, Artist.id == Video.artist_id)
                .where(Video.id == video_id)
            )
        ).one_or_none()
        if row is None:
            raise VideoNotFound(video_id)
        wanted = root_folder_id or row.root_folder_id
        root_query = select(RootFolder.id, RootFolder.path)
        root_query = (
            root_query.where(RootFolder.id == wanted) if wanted else root_query.order_by(RootFolder.id).limit(1)
        )
        root = (await session.execute(root_query)).one_or_none()
        if root is None:
            raise NoRootFolder("place the file in")
    fields = naming_fields(row)
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
