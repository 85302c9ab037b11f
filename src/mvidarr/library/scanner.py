"""Scanning one root folder: walk, probe what is new or changed, match, mark what vanished.

The walk runs in a thread one batch at a time; probes and thumbnails run in the job's process
pool; each batch is written in one short transaction. Thumbnails have their own lane (one
process at a time) so they never hold up probing and matching of the files behind them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository as artists_repository
from mvidarr.artists import service as artists
from mvidarr.artwork.service import USER_CHOSEN_SOURCES, video_thumbnail_folder
from mvidarr.jobs.context import JobContext
from mvidarr.kit.text import fold, identity_key
from mvidarr.library.matching import Match, match_file
from mvidarr.library.titles import joint_credit
from mvidarr.library.walk import FoundFile, RootUnavailable, Walk, absolute_path, root_identity
from mvidarr.media.probe import ProbeResult, probe_file
from mvidarr.media.thumbnails import grab_thumbnail
from mvidarr.models import MediaFile, RootFolder, Video, VideoStatus
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.organise.nfo_read import NfoInfo, read_nfo
from mvidarr.videos.service import derive_fields

log = logging.getLogger("mvidarr.library")
BATCH_SIZE = 500
THUMBNAIL_QUEUE = 256
THUMBNAIL_WRITE_EVERY = 25
THUMBNAIL_WORKERS = max(1, min(2, os.cpu_count() or 1))
ARTIST_CACHE = 256
MTIME_TOLERANCE = 1e-6
# Videos whose thumbnail is a frame grab (scans may replace it), not artwork a user picked.
_frame_grab_artwork = or_(Video.artwork_source.is_(None), Video.artwork_source.not_in(USER_CHOSEN_SOURCES))
_ROW_COLUMNS = (
    MediaFile.id,
    MediaFile.relative_path,
    MediaFile.relative_path_bytes,
    MediaFile.size,
    MediaFile.mtime,
    MediaFile.video_id,
    MediaFile.is_current,
    MediaFile.missing_at,
    MediaFile.probe_error,
    MediaFile.width,
    MediaFile.tags,
)


class RootFolderGone(Exception):
    """The root folder disappeared or became unreadable: the scan stops and marks nothing missing."""


@dataclass(slots=True)
class ScanCounts:
    seen: int = 0
    unchanged: int = 0
    probed: int = 0
    matched: int = 0
    unmatched: int = 0
    failed: int = 0
    missing: int = 0
    restored: int = 0
    artists_created: int = 0
    videos_created: int = 0
    thumbnails: int = 0
    skipped_links: int = 0

    def message(self) -> str:
        return (
            f"seen {self.seen}, probed {self.probed}, matched {self.matched}, failed {self.failed}"
            f" ({self.unchanged} unchanged, {self.unmatched} unmatched)"
        )


@dataclass(slots=True)
class _Pending:
    """A file that needs probing and/or matching in this batch."""

    found: FoundFile
    path: str
    row: Any | None
    probe: ProbeResult | None = None
    match: Match | None = None
    tags: dict[str, str] | None = None


@dataclass(slots=True)
class _Thumb:
    video_id: int
    path: str
    duration_s: float | None


def unreadable(probe_error: str | None, width: int | None) -> bool:
    """A file that probing could not read at all (no picture found): recorded, never matched."""
    return probe_error is not None and width is None


def _read_and_match(items: list[tuple[str, str, dict[str, str] | None]]) -> list[Match | None]:
    """NFO reads and title parsing for a batch (blocking: runs in a thread)."""
    matches: list[Match | None] = []
    for relative_text, path, tags in items:
        nfo: NfoInfo | None = read_nfo(path)
        matches.append(match_file(relative_text, nfo=nfo, tags=tags))
    return matches


class ThumbnailLane:
    """Grabs thumbnails one at a time in the process pool, beside the scan, and records them."""

    def __init__(self, ctx: JobContext, data_dir: Path) -> None:
        self.ctx = ctx
        self.data_dir = data_dir
        self.queue: asyncio.Queue[_Thumb | None] = asyncio.Queue(THUMBNAIL_QUEUE)
        self.attempted: set[int] = set()
        self.made = 0
        self.failed = 0
        self._done: list[tuple[int, str]] = []
        # One grab at a time while the scan probes; every worker process once matching is done.
        self._slots = asyncio.Semaphore(1)
        self._all: set[asyncio.Task[None]] = set()
        self._task = asyncio.create_task(self._run(), name=f"job-{ctx.job_id}-thumbnails")

    def offer(self, item: _Thumb) -> None:
        """Queue a thumbnail; when the lane is behind, the final sweep picks it up instead."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(item)

    async def _start(self, item: _Thumb, running: set[asyncio.Task[None]]) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._make_then_release(item))
        for group in (running, self._all):
            group.add(task)
            task.add_done_callback(group.discard)

    async def _make_then_release(self, item: _Thumb) -> None:
        try:
            await self._make(item)
        finally:
            self._slots.release()

    async def _run(self) -> None:
        running: set[asyncio.Task[None]] = set()
        while (item := await self.queue.get()) is not None:
            await self._start(item, running)
        if running:
            await asyncio.gather(*running)
        await self._write()

    async def _make(self, item: _Thumb) -> None:
        if item.video_id in self.attempted:
            return
        self.attempted.add(item.video_id)
        folder = video_thumbnail_folder(self.data_dir, item.video_id)
        try:
            made = await self.ctx.to_process(grab_thumbnail, item.path, str(folder), item.duration_s)
        except Exception as exc:  # a frame grab failure never fails the scan
            made = None
            await self.ctx.log("warning", f"thumbnail for video {item.video_id}: {type(exc).__name__}: {exc}")
        if made is None:
            self.failed += 1
            return
        self.made += 1
        self._done.append((item.video_id, folder.relative_to(self.data_dir).as_posix()))
        if len(self._done) >= THUMBNAIL_WRITE_EVERY:
            await self._write()

    async def _write(self) -> None:
        done, self._done = self._done, []
        if not done:
            return
        async with self.ctx.session() as session:
            for video_id, relative in done:
                await session.execute(
                    update(Video).where(Video.id == video_id, _frame_grab_artwork).values(thumbnail_path=relative)
                )
            await session.commit()

    async def finish(self, root_id: int, root_path: str) -> None:
        """Drain the queue, then make the thumbnails still missing for this root's videos."""
        for _ in range(1, THUMBNAIL_WORKERS):
            self._slots.release()
        await self.queue.put(None)
        await self._task
        last_id = 0
        while not self.ctx.should_abort():
            async with self.ctx.reader() as session:
                rows = (
                    await session.execute(
                        select(Video.id, MediaFile.relative_path, MediaFile.relative_path_bytes, MediaFile.duration_s)
                        .join(MediaFile, (MediaFile.video_id == Video.id) & MediaFile.is_current.is_(True))
                        .where(
                            MediaFile.root_folder_id == root_id,
                            MediaFile.width.is_not(None),
                            MediaFile.missing_at.is_(None),
                            Video.thumbnail_path.is_(None),
                            Video.id > last_id,
                        )
                        .order_by(Video.id)
                        .limit(BATCH_SIZE)
                    )
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            running: set[asyncio.Task[None]] = set()
            for row in rows:
                if row.id not in self.attempted:
                    path = absolute_path(root_path, row.relative_path, row.relative_path_bytes)
                    await self._start(_Thumb(row.id, path, row.duration_s), running)
            if running:
                await asyncio.gather(*running)
        await self._write()

    async def cancel(self) -> None:
        tasks = [self._task, *self._all] if not self._task.done() else list(self._all)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


@dataclass(slots=True)
class _Caches:
    artists: dict[str, int] = field(default_factory=dict)
    # artist id -> {(folded title, folded version): video id}, for the most recently used artists.
    videos: OrderedDict[int, dict[tuple[str, str], int]] = field(default_factory=OrderedDict)
    given_current: set[int] = field(default_factory=set)


class LibraryScan:
    """One scan of one root folder, run by the `library.scan` job."""

    def __init__(self, ctx: JobContext, root_id: int, root_path: str, data_dir: Path | None) -> None:
        self.ctx = ctx
        self.root_id = root_id
        self.root_path = root_path
        self.counts = ScanCounts()
        self.caches = _Caches()
        self.data_dir = data_dir
        self.lane: ThumbnailLane | None = None
        self.started = ctx.now()
        self.estimate = 0
        # Job log lines gathered while a batch's transaction is open, written after it commits
        # (a log write is a transaction of its own; on SQLite it would wait for ours).
        self._notes: list[tuple[str, str]] = []

    def _note(self, level: str, message: str) -> None:
        self._notes.append((level, message))

    # -- the whole scan ----------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        began = time.monotonic()
        identity = await self.ctx.to_thread(root_identity, self.root_path)
        if identity is None:
            await self._set_accessible(False)
            raise RootFolderGone(f"root folder {self.root_path} is missing or not a folder")
        async with self.ctx.reader() as session:
            self.estimate = int(
                await session.scalar(
                    select(func.count())
                    .select_from(MediaFile)
                    .where(MediaFile.root_folder_id == self.root_id, MediaFile.missing_at.is_(None))
                )
                or 0
            )
        try:
            if self.data_dir is not None:
                self.lane = ThumbnailLane(self.ctx, self.data_dir)
            walk = await self.ctx.to_thread(Walk, self.root_path)
            while True:
                self.ctx.check_abort()
                try:
                    batch = await self.ctx.to_thread(walk.batch, BATCH_SIZE)
                except RootUnavailable as exc:
                    raise RootFolderGone(str(exc)) from None
                if not batch:
                    break
                await self._batch(batch)
                await self.ctx.progress(self._fraction(), self.counts.message())
            matched_s = time.monotonic() - began
            if b"" in walk.unlisted or await self.ctx.to_thread(root_identity, self.root_path) != identity:
                raise RootFolderGone(
                    f"root folder {self.root_path} disappeared during the scan; nothing was marked missing"
                )
            for problem in walk.problems:
                await self.ctx.log("warning", problem)
            self.counts.skipped_links = len(walk.skipped_links)
            await self._mark_missing([p.decode("utf-8", "replace") for p in walk.unlisted])
            if self.lane is not None:
                await self.ctx.progress(0.97, f"{self.counts.message()}; making thumbnails")
                await self.lane.finish(self.root_id, self.root_path)
                self.counts.thumbnails = self.lane.made
        except BaseException:
            if self.lane is not None:
                await self.lane.cancel()
            raise
        await self._set_accessible(True, scanned=True)
        result: dict[str, Any] = {"root_folder_id": self.root_id, **asdict(self.counts)}
        result["matching_s"] = round(matched_s, 3)
        result["total_s"] = round(time.monotonic() - began, 3)
        await self.ctx.log("info", f"scan of {self.root_path}: {self.counts.message()}, {self.counts.missing} missing")
        return result

    def _fraction(self) -> float:
        seen = self.counts.seen
        if self.estimate:
            return min(0.95, 0.95 * seen / max(self.estimate, seen + 1))
        return 0.9 * seen / (seen + 2000)

    async def _set_accessible(self, accessible: bool, *, scanned: bool = False) -> None:
        async with self.ctx.session() as session:
            values: dict[str, Any] = {"accessible": accessible, "checked_at": self.ctx.now()}
            if scanned:
                values["last_scan_at"] = self.started
            await session.execute(update(RootFolder).where(RootFolder.id == self.root_id).values(**values))
            await session.commit()

    # -- one batch ---------------------------------------------------------------------------

    async def _batch(self, batch: list[FoundFile]) -> None:
        self.counts.seen += len(batch)
        async with self.ctx.reader() as session:
            texts = [f.relative_text for f in batch]
            rows = {
                row.relative_path: row
                for row in (
                    await session.execute(
                        select(*_ROW_COLUMNS).where(
                            MediaFile.root_folder_id == self.root_id, MediaFile.relative_path.in_(texts)
                        )
                    )
                ).all()
            }
        touched: list[int] = []
        restored: list[Any] = []
        to_probe: list[_Pending] = []
        to_rematch: list[_Pending] = []
        for found in batch:
            row = rows.get(found.relative_text)
            if row is not None and row.relative_path_bytes != found.raw_bytes:
                self.counts.failed += 1
                await self.ctx.log("error", f"{found.relative_text}: another file shows the same name; not scanned")
                continue
            path = absolute_path(self.root_path, found.relative_text, found.raw_bytes)
            if row is not None and row.missing_at is not None:
                restored.append(row)
            if row is not None and row.size == found.size and abs(row.mtime - found.mtime) < MTIME_TOLERANCE:
                self.counts.unchanged += 1
                touched.append(row.id)
                if row.video_id is None and not unreadable(row.probe_error, row.width):
                    to_rematch.append(_Pending(found, path, row, tags=row.tags))
                continue
            to_probe.append(_Pending(found, path, row))
        await self._probe(to_probe)
        needing_match = [p for p in to_probe if p.probe is not None and not unreadable(p.probe.error, p.probe.width)]
        needing_match = [p for p in needing_match if p.row is None or p.row.video_id is None]
        needing_match += to_rematch
        if needing_match:
            items = [(p.found.relative_text, p.path, p.tags) for p in needing_match]
            for pending, match in zip(needing_match, await self.ctx.to_thread(_read_and_match, items), strict=True):
                pending.match = match
        thumbs: list[_Thumb] = []
        async with self.ctx.session() as session:
            if touched:
                await session.execute(update(MediaFile).where(MediaFile.id.in_(touched)).values(seen_at=self.started))
            for row in restored:
                await self._restore(session, row)
            for pending in to_probe:
                if pending.probe is not None:
                    await self._store(session, pending, thumbs)
            for pending in to_rematch:
                if pending.match is not None:
                    await self._link_existing(session, pending, thumbs)
            await session.commit()
        notes, self._notes = self._notes, []
        for level, message in notes:
            await self.ctx.log(level, message)
        if self.lane is not None:
            for thumb in thumbs:
                self.lane.offer(thumb)

    async def _probe(self, pending: list[_Pending]) -> None:
        async def one(item: _Pending) -> None:
            try:
                result = await self.ctx.to_process(probe_file, item.path)
            except Exception as exc:  # a crashed worker process is this file's failure, not the scan's
                result = ProbeResult(error=f"probe failed: {type(exc).__name__}: {exc}")
            vanished = result.error is not None and result.error.startswith("cannot read file")
            if vanished and not await self.ctx.to_thread(os.path.lexists, item.path):
                return  # gone since the walk saw it; a later scan decides whether it is missing
            item.probe = result
            item.tags = result.tags
            self.counts.probed += 1

        await asyncio.gather(*(one(item) for item in pending))

    # -- writing -----------------------------------------------------------------------------

    async def _store(self, session: AsyncSession, pending: _Pending, thumbs: list[_Thumb]) -> None:
        probe = pending.probe
        assert probe is not None
        found = pending.found
        if probe.error is not None:
            self.counts.failed += 1
            self._note("warning", f"{found.relative_text}: {probe.error}")
        values = {
            **probe.as_columns(),
            "size": found.size,
            "mtime": found.mtime,
            "seen_at": self.started,
            "missing_at": None,
            "analysed_at": self.ctx.now(),
        }
        if pending.row is not None:
            await session.execute(update(MediaFile).where(MediaFile.id == pending.row.id).values(**values))
            if pending.row.video_id is not None:
                self.counts.matched += 1
                if pending.row.is_current:
                    await session.execute(
                        update(Video).where(Video.id == pending.row.video_id).values(duration_s=probe.duration_s)
                    )
                    await session.execute(
                        update(Video)
                        .where(Video.id == pending.row.video_id, _frame_grab_artwork)
                        .values(thumbnail_path=None)
                    )
                    if probe.width is not None:
                        thumbs.append(_Thumb(pending.row.video_id, pending.path, probe.duration_s))
                return
            if pending.match is not None:
                await self._link_existing(session, pending, thumbs)
            else:
                self.counts.unmatched += 1
            return

        def new_row() -> MediaFile:
            return MediaFile(
                root_folder_id=self.root_id,
                relative_path=found.relative_text,
                relative_path_bytes=found.raw_bytes,
                is_current=False,
                **values,
            )

        if pending.match is None:
            if not unreadable(probe.error, probe.width):
                self.counts.unmatched += 1
            session.add(new_row())
            await session.flush()
            return
        try:
            async with session.begin_nested():
                video_id, current = await self._video_for(session, pending.match, probe.duration_s)
                media = new_row()
                media.video_id = video_id
                media.is_current = current
                media.match_source = pending.match.source
                session.add(media)
        except Exception as exc:  # this file's failure only; the savepoint undid its part
            self.counts.failed += 1
            self._note("error", f"{found.relative_text}: cannot match: {type(exc).__name__}: {exc}")
            self.caches = _Caches()  # what the savepoint undid may be cached
            session.add(new_row())
            await session.flush()
            return
        self.counts.matched += 1
        await raise_event(
            session,
            catalogue.VIDEO_IMPORTED,
            {
                "video_id": video_id,
                "artist": pending.match.artist,
                "title": pending.match.title,
                "path": os.path.join(self.root_path, found.relative_text),
                "job_id": self.ctx.job_id,
            },
        )
        if current and probe.width is not None:
            thumbs.append(_Thumb(video_id, pending.path, probe.duration_s))

    async def _link_existing(self, session: AsyncSession, pending: _Pending, thumbs: list[_Thumb]) -> None:
        """Match a known, unmatched file (changed, or unchanged and tried again)."""
        assert pending.match is not None
        assert pending.row is not None
        try:
            async with session.begin_nested():
                duration = pending.probe.duration_s if pending.probe else None
                video_id, current = await self._video_for(session, pending.match, duration)
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id == pending.row.id)
                    .values(video_id=video_id, is_current=current, match_source=pending.match.source)
                )
        except Exception as exc:  # this file's failure only
            self.counts.failed += 1
            self._note("error", f"{pending.found.relative_text}: cannot match: {type(exc).__name__}: {exc}")
            self.caches = _Caches()
            return
        self.counts.matched += 1
        width = pending.probe.width if pending.probe else pending.row.width
        if current and width is not None:
            thumbs.append(_Thumb(video_id, pending.path, pending.probe.duration_s if pending.probe else None))

    async def _credited(self, session: AsyncSession, match: Match) -> tuple[str, list[str]]:
        """The artist a file's credit names, and the featured ones: 'A x B' is A featuring B.

        A credit is kept whole when the library has an artist of that name (someone said it is
        one); '&', 'and' and commas split only when the first name is an artist the library has.
        """
        name = match.artist
        if await self._existing(session, name):
            return name, match.featured
        sure, maybe = joint_credit(name)
        if sure:
            first, others = sure[0], sure[1:]
            if not await self._existing(session, first):
                _, first_maybe = joint_credit(first)
                if first_maybe and await self._existing(session, first_maybe[0]):
                    first, others = first_maybe[0], [*first_maybe[1:], *others]
        elif maybe and await self._existing(session, maybe[0]):
            first, others = maybe[0], maybe[1:]
        else:
            return name, match.featured
        seen = {identity_key(first)}
        featured = []
        for other in [*others, *match.featured]:
            if identity_key(other) not in seen:
                seen.add(identity_key(other))
                featured.append(other)
        return first, featured

    async def _existing(self, session: AsyncSession, name: str) -> bool:
        key = identity_key(name)
        if key in self.caches.artists:
            return True
        return await artists_repository.exists_named(session, key)

    async def _artist_id(self, session: AsyncSession, name: str) -> int:
        key = identity_key(name)
        cached = self.caches.artists.get(key)
        if cached is not None:
            return cached
        artist, created = await artists.find_or_create(session, name)
        if created:
            await session.flush()
            self.counts.artists_created += 1
        if len(self.caches.artists) >= ARTIST_CACHE * 16:
            self.caches.artists.clear()
        self.caches.artists[key] = artist.id
        return artist.id

    async def _videos_of(self, session: AsyncSession, artist_id: int) -> dict[tuple[str, str], int]:
        known = self.caches.videos.get(artist_id)
        if known is not None:
            self.caches.videos.move_to_end(artist_id)
            return known
        rows = (
            await session.execute(select(Video.id, Video.title, Video.version).where(Video.artist_id == artist_id))
        ).all()
        known = {}
        for row in rows:
            known.setdefault((fold(row.title), fold(row.version)), row.id)
        self.caches.videos[artist_id] = known
        if len(self.caches.videos) > ARTIST_CACHE:
            self.caches.videos.popitem(last=False)
        return known

    async def _video_for(self, session: AsyncSession, match: Match, duration_s: float | None) -> tuple[int, bool]:
        """The video a matched file belongs to (found or created) and whether the file becomes current."""
        artist, featured = await self._credited(session, match)
        artist_id = await self._artist_id(session, artist)
        known = await self._videos_of(session, artist_id)
        key = (fold(match.title), fold(match.version))
        video_id = known.get(key)
        if video_id is None:
            video = Video(
                artist_id=artist_id,
                title=match.title[:500],
                version=match.version[:255],
                kind=match.kind,
                status=VideoStatus.DOWNLOADED,
                year=match.year,
                album=match.album,
                duration_s=duration_s,
                featured_artists=featured[:30],
                field_provenance={"title": {"source": f"scan:{match.source}"}},
            )
            derive_fields(video)
            session.add(video)
            await session.flush()
            known[key] = video.id
            self.counts.videos_created += 1
            self.caches.given_current.add(video.id)
            return video.id, True
        if video_id in self.caches.given_current:
            return video_id, False
        has_current = await session.scalar(
            select(MediaFile.id).where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True)).limit(1)
        )
        if has_current is not None:
            return video_id, False
        await session.execute(
            update(Video)
            .where(Video.id == video_id)
            .values(status=VideoStatus.DOWNLOADED, duration_s=func.coalesce(duration_s, Video.duration_s))
        )
        self.caches.given_current.add(video_id)
        return video_id, True

    async def _restore(self, session: AsyncSession, row: Any) -> None:
        """A file marked missing is back where it was."""
        self.counts.restored += 1
        current = False
        if row.video_id is not None:
            has_current = await session.scalar(
                select(MediaFile.id).where(MediaFile.video_id == row.video_id, MediaFile.is_current.is_(True)).limit(1)
            )
            current = has_current is None
            if current:
                await session.execute(
                    update(Video)
                    .where(Video.id == row.video_id, Video.status == VideoStatus.MISSING)
                    .values(status=VideoStatus.DOWNLOADED)
                )
        await session.execute(
            update(MediaFile).where(MediaFile.id == row.id).values(missing_at=None, is_current=current)
        )

    async def _mark_missing(self, unlisted: list[str]) -> None:
        """Files this complete walk did not see are missing; their videos too, unless another file takes over."""
        now = self.ctx.now()
        last_id = 0
        while True:
            async with self.ctx.reader() as session:
                rows = (
                    await session.execute(
                        select(MediaFile.id, MediaFile.relative_path, MediaFile.video_id, MediaFile.is_current)
                        .where(
                            MediaFile.root_folder_id == self.root_id,
                            MediaFile.missing_at.is_(None),
                            or_(MediaFile.seen_at.is_(None), MediaFile.seen_at < self.started),
                            MediaFile.id > last_id,
                        )
                        .order_by(MediaFile.id)
                        .limit(BATCH_SIZE)
                    )
                ).all()
            if not rows:
                return
            last_id = rows[-1].id
            # A folder that could not be listed says nothing about the files in it.
            gone = [r for r in rows if not any(r.relative_path.startswith(prefix) for prefix in unlisted)]
            if not gone:
                continue
            orphaned = {r.video_id for r in gone if r.video_id is not None and r.is_current}
            async with self.ctx.session() as session:
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id.in_([r.id for r in gone]))
                    .values(missing_at=now, is_current=False)
                )
                for video_id in orphaned:
                    await self._hand_over(session, video_id)
                await session.commit()
            self.counts.missing += len(gone)
            for row in gone[:50]:
                await self.ctx.log("info", f"missing: {row.relative_path}")

    async def _hand_over(self, session: AsyncSession, video_id: int) -> None:
        """Make another present file of the video current (a renamed file), or mark the video missing."""
        other = await session.scalar(
            select(MediaFile.id)
            .where(MediaFile.video_id == video_id, MediaFile.missing_at.is_(None))
            .order_by(MediaFile.quality_score.desc().nulls_last(), MediaFile.id.desc())
            .limit(1)
        )
        if other is not None:
            await session.execute(update(MediaFile).where(MediaFile.id == other).values(is_current=True))
            await session.execute(
                update(Video).where(Video.id == video_id, _frame_grab_artwork).values(thumbnail_path=None)
            )
            return
        await session.execute(
            update(Video)
            .where(Video.id == video_id, Video.status == VideoStatus.DOWNLOADED)
            .values(status=VideoStatus.MISSING)
        )
