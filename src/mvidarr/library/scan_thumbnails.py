"""The scan's thumbnail lane: frame grabs one at a time in the job's process pool, beside the scan.

Thumbnails have their own lane so they never hold up probing and matching of the files behind
them; once matching is done, every worker process grabs, and a final sweep makes the ones the
lane had no room to queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select, update

from mvidarr.artwork.service import USER_CHOSEN_SOURCES, video_thumbnail_folder
from mvidarr.jobs.context import JobContext
from mvidarr.library.walk import absolute_path
from mvidarr.media.thumbnails import grab_thumbnail
from mvidarr.models import MediaFile, Video

THUMBNAIL_QUEUE = 256
THUMBNAIL_WRITE_EVERY = 25
THUMBNAIL_WORKERS = max(1, min(2, os.cpu_count() or 1))
# Videos the final sweep reads at a time.
SWEEP_BATCH = 500
# Videos whose thumbnail is a frame grab (scans may replace it), not artwork a user picked.
frame_grab_artwork = or_(Video.artwork_source.is_(None), Video.artwork_source.not_in(USER_CHOSEN_SOURCES))


@dataclass(slots=True)
class Thumb:
    """A video whose thumbnail is grabbed from the file at `path`."""

    video_id: int
    path: str
    duration_s: float | None


class ThumbnailLane:
    """Grabs thumbnails one at a time in the process pool, beside the scan, and records them."""

    def __init__(self, ctx: JobContext, data_dir: Path) -> None:
        self.ctx = ctx
        self.data_dir = data_dir
        self.queue: asyncio.Queue[Thumb | None] = asyncio.Queue(THUMBNAIL_QUEUE)
        self.attempted: set[int] = set()
        self.made = 0
        self.failed = 0
        self._done: list[tuple[int, str]] = []
        # One grab at a time while the scan probes; every worker process once matching is done.
        self._slots = asyncio.Semaphore(1)
        self._all: set[asyncio.Task[None]] = set()
        self._task = asyncio.create_task(self._run(), name=f"job-{ctx.job_id}-thumbnails")

    def offer(self, item: Thumb) -> None:
        """Queue a thumbnail; when the lane is behind, the final sweep picks it up instead."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(item)

    async def _start(self, item: Thumb, running: set[asyncio.Task[None]]) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._make_then_release(item))
        for group in (running, self._all):
            group.add(task)
            task.add_done_callback(group.discard)

    async def _make_then_release(self, item: Thumb) -> None:
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

    async def _make(self, item: Thumb) -> None:
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
                    update(Video).where(Video.id == video_id, frame_grab_artwork).values(thumbnail_path=relative)
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
                        .limit(SWEEP_BATCH)
                    )
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            running: set[asyncio.Task[None]] = set()
            for row in rows:
                if row.id not in self.attempted:
                    path = absolute_path(root_path, row.relative_path, row.relative_path_bytes)
                    await self._start(Thumb(row.id, path, row.duration_s), running)
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
