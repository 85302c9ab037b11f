"""Write-behind of play progress (decision 0059).

Players report a play's position every few seconds. Written one by one, each report was a write
transaction of its own, ~5 ms of the server's CPU, and on SQLite the pool's other connections
waited for the one writer in SQLite's busy handler (which sleeps up to 100 ms between tries): 200
reports a second were more than one process could write, and the queue grew. Here a
position report only updates this process's buffer (the latest position of each play wins) and the
buffer is written in one transaction every `progress_flush_s`, and when the app shuts down.

A report that finishes a play is written at once: it marks the video watched, which should not wait.
Reads of a user's history or watch state first write that user's buffered reports (`settle`), so a
user always reads their own reports. A crash loses at most the last interval's positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from mvidarr.db import Database
from mvidarr.watch import repository
from mvidarr.watch.repository import PositionReport

log = logging.getLogger("mvidarr.watch")

# Plays whose owner and video this process remembers; past this, it forgets them all and asks again.
_PLAYS_KNOWN_MAX = 16_384


class ProgressBuffer:
    """One process's unwritten position reports, written together every `flush_every_s`."""

    def __init__(self, db: Database, flush_every_s: float) -> None:
        self.db = db
        self.flush_every_s = flush_every_s
        self._pending: dict[int, PositionReport] = {}
        self._writing_users: frozenset[int] = frozenset()  # the users of the batch being written
        self._plays: dict[tuple[int, int], int] = {}  # (play id, user id) -> video id
        self._lock = asyncio.Lock()  # one write at a time: a batch, or a finished play

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def report(
        self, user_id: int, play_id: int, *, position_s: float, duration_s: float | None, completed: bool, now: datetime
    ) -> bool:
        """Record where the user's play is; False when the play is not theirs (or does not exist)."""
        video_id = await self._video_of(play_id, user_id)
        if video_id is None:
            return False
        if completed:
            async with self._lock:
                earlier = self._pending.pop(play_id, None)
                if duration_s is None and earlier is not None:
                    duration_s = earlier.duration_s
                async with self.db.writer() as session:
                    found = await repository.report_progress(
                        session, user_id, play_id, position_s=position_s, duration_s=duration_s, completed=True,
                        now=now,
                    )  # fmt: skip
                    await session.commit()
            return found is not None
        earlier = self._pending.get(play_id)
        if duration_s is None and earlier is not None:
            duration_s = earlier.duration_s
        self._pending[play_id] = PositionReport(play_id, user_id, video_id, position_s, duration_s, now)
        return True

    async def settle(self, user_id: int) -> None:
        """Write the user's buffered reports, if any, before their history or state is read.
        Call it before the request's own session runs a statement (on SQLite that session may hold
        the write lock the flush needs)."""
        if user_id in self._writing_users or any(r.user_id == user_id for r in self._pending.values()):
            await self.flush()

    async def flush(self) -> int:
        """Write every buffered report in one transaction; how many were written."""
        async with self._lock:
            if not self._pending:
                return 0
            batch, self._pending = self._pending, {}
            self._writing_users = frozenset(r.user_id for r in batch.values())
            try:
                async with self.db.writer() as session:
                    await repository.apply_progress(session, list(batch.values()))
                    await session.commit()
            except BaseException:
                # Kept for the next try, unless a newer report of the play came meanwhile.
                self._pending = batch | self._pending
                raise
            finally:
                self._writing_users = frozenset()
            return len(batch)

    async def _video_of(self, play_id: int, user_id: int) -> int | None:
        # A play's user and video never change, so once known they are not asked again.
        video_id = self._plays.get((play_id, user_id))
        if video_id is not None:
            return video_id
        async with self.db.reader() as session:
            video_id = await repository.play_video(session, play_id, user_id)
        if video_id is not None:
            if len(self._plays) >= _PLAYS_KNOWN_MAX:
                self._plays.clear()
            self._plays[(play_id, user_id)] = video_id
        return video_id

    async def run(self) -> None:
        """Flush every `flush_every_s` until cancelled; a failed write is tried again next time."""
        while True:
            await asyncio.sleep(self.flush_every_s)
            try:
                await self.flush()
            except Exception:
                log.warning("writing %d buffered play positions failed; trying again", self.pending, exc_info=True)


@asynccontextmanager
async def progress_buffer(db: Database, flush_every_s: float) -> AsyncIterator[ProgressBuffer]:
    """A buffer flushed in the background while the context is open, and once more as it closes."""
    buffer = ProgressBuffer(db, flush_every_s)
    task = asyncio.create_task(buffer.run(), name="mvidarr-progress-flush")
    try:
        yield buffer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            written = await buffer.flush()
        except Exception:
            log.error("play positions not written at shutdown: %d lost", buffer.pending, exc_info=True)
        else:
            if written:
                log.info("wrote %d buffered play positions at shutdown", written)
