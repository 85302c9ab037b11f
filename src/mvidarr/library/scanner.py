"""Scanning one root folder: walk, probe what is new or changed, match, mark what vanished.

The walk runs in a thread one batch at a time; probes and thumbnails run in the job's process
pool; each batch is written in one short transaction. Beside it: the thumbnail lane
(`scan_thumbnails`), finding or creating each file's artist and video (`scan_videos`), and what
happens to files the walk did not see (`missing`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository as artists_repository
from mvidarr.jobs.context import JobContext
from mvidarr.kit.text import identity_key
from mvidarr.library.matching import Match, match_file
from mvidarr.library.missing import mark_missing, restore
from mvidarr.library.scan_thumbnails import Thumb, ThumbnailLane, frame_grab_artwork
from mvidarr.library.scan_videos import VideoResolver
from mvidarr.library.walk import FoundFile, RootUnavailable, Walk, absolute_path, root_identity
from mvidarr.media.probe import ProbeResult, probe_file
from mvidarr.metadata.credits import CreditVerdicts, looks_joint
from mvidarr.models import MediaFile, RootFolder, Video
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.organise.nfo_read import NfoInfo, read_nfo
from mvidarr.providers.hub import ProviderHub

log = logging.getLogger("mvidarr.library")
BATCH_SIZE = 500
MTIME_TOLERANCE = 1e-6
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


class LibraryScan:
    """One scan of one root folder, run by the `library.scan` job."""

    def __init__(
        self,
        ctx: JobContext,
        root_id: int,
        root_path: str,
        data_dir: Path | None,
        providers: ProviderHub | None = None,
    ) -> None:
        self.ctx = ctx
        self.root_id = root_id
        self.root_path = root_path
        self.counts = ScanCounts()
        # Joint-looking credits ("A & B", "A x B") are one artist only when a provider says so.
        self.credits = CreditVerdicts(providers)
        self.videos = VideoResolver(self.credits)
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
            unlisted = [p.decode("utf-8", "replace") for p in walk.unlisted]
            self.counts.missing += await mark_missing(self.ctx, self.root_id, self.started, unlisted)
            if self.lane is not None:
                await self.ctx.progress(0.97, f"{self.counts.message()}; making thumbnails")
                await self.lane.finish(self.root_id, self.root_path)
                self.counts.thumbnails = self.lane.made
        except BaseException:
            if self.lane is not None:
                await self.lane.cancel()
            raise
        await self._set_accessible(True, scanned=True)
        self.counts.artists_created = self.videos.artists_created
        self.counts.videos_created = self.videos.videos_created
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
            await self._ask_about_credits([p.match.artist for p in needing_match if p.match is not None])
        thumbs: list[Thumb] = []
        async with self.ctx.session() as session:
            if touched:
                await session.execute(update(MediaFile).where(MediaFile.id.in_(touched)).values(seen_at=self.started))
            for row in restored:
                await restore(session, row)
                self.counts.restored += 1
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

    async def _ask_about_credits(self, credits: list[str]) -> None:
        """Ask providers whether joint-looking credits are one artist, before the batch's transaction opens."""
        joint = [c for c in credits if looks_joint(c)]
        if not joint:
            return
        failed_before = set(self.credits.failed)
        async with self.ctx.reader() as session:

            async def known(name: str) -> bool:
                return await artists_repository.exists_named(session, identity_key(name))

            names = await self.credits.to_ask(joint, known)
        for name in names:  # with no session open: MusicBrainz answers once a second
            self.ctx.check_abort()
            await self.credits.ask([name])
        for provider, reason in self.credits.failed.items():
            if provider not in failed_before and provider == "musicbrainz":
                await self.ctx.log(
                    "info" if provider in self.credits.unconfigured else "warning",
                    f"musicbrainz cannot say whether joint-looking credits name one artist ({reason}); "
                    "until this scan ends, 'x', 'vs.' and 'with' credits are split, and '&', 'and', '+' "
                    "and comma credits only when the library has their first artist",
                )

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

    async def _store(self, session: AsyncSession, pending: _Pending, thumbs: list[Thumb]) -> None:
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
                        .where(Video.id == pending.row.video_id, frame_grab_artwork)
                        .values(thumbnail_path=None)
                    )
                    if probe.width is not None:
                        thumbs.append(Thumb(pending.row.video_id, pending.path, probe.duration_s))
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
                video_id, current = await self.videos.video_for(session, pending.match, probe.duration_s)
                media = new_row()
                media.video_id = video_id
                media.is_current = current
                media.match_source = pending.match.source
                session.add(media)
        except Exception as exc:  # this file's failure only; the savepoint undid its part
            self.counts.failed += 1
            self._note("error", f"{found.relative_text}: cannot match: {type(exc).__name__}: {exc}")
            self.videos.forget()  # what the savepoint undid may be cached
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
            thumbs.append(Thumb(video_id, pending.path, probe.duration_s))

    async def _link_existing(self, session: AsyncSession, pending: _Pending, thumbs: list[Thumb]) -> None:
        """Match a known, unmatched file (changed, or unchanged and tried again)."""
        assert pending.match is not None
        assert pending.row is not None
        try:
            async with session.begin_nested():
                duration = pending.probe.duration_s if pending.probe else None
                video_id, current = await self.videos.video_for(session, pending.match, duration)
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id == pending.row.id)
                    .values(video_id=video_id, is_current=current, match_source=pending.match.source)
                )
        except Exception as exc:  # this file's failure only
            self.counts.failed += 1
            self._note("error", f"{pending.found.relative_text}: cannot match: {type(exc).__name__}: {exc}")
            self.videos.forget()
            return
        self.counts.matched += 1
        width = pending.probe.width if pending.probe else pending.row.width
        if current and width is not None:
            thumbs.append(Thumb(video_id, pending.path, pending.probe.duration_s if pending.probe else None))
