"""The events users subscribe to, and how a place where one happens raises it.

`raise_event(session, type, data)` adds a row to the outbox in the caller's transaction: the event
exists exactly when what it tells of was committed, and a crash after the commit loses nothing (the
delivery worker finds the row when it comes back). Raising costs one INSERT; nothing is sent while
the request or job that raised it waits. After the commit this process's delivery worker is woken
at once; other processes' workers find the row on their next poll (decision 0036).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mvidarr.db import utcnow
from mvidarr.models import OutboxEvent

VIDEO_DOWNLOADED = "video.downloaded"
VIDEO_UPGRADED = "video.upgraded"
VIDEO_IMPORTED = "video.imported"
DOWNLOAD_FAILED = "download.failed"
VIDEOS_DISCOVERED = "videos.discovered"
VIDEO_TRASHED = "video.trashed"
VIDEO_DELETED = "video.deleted"
HEALTH_RAISED = "health.raised"
HEALTH_CLEARED = "health.cleared"
JOB_FAILED = "job.failed"
YTDLP_UPDATE = "ytdlp.update_available"
TEST = "test"

CATALOGUE: dict[str, str] = {
    VIDEO_DOWNLOADED: "A video was downloaded",
    VIDEO_UPGRADED: "A video was replaced by a better version",
    VIDEO_IMPORTED: "A video file was found in the library and matched",
    DOWNLOAD_FAILED: "A download failed for good",
    VIDEOS_DISCOVERED: "New videos of an artist were discovered",
    VIDEO_TRASHED: "A video's file went to the trash",
    VIDEO_DELETED: "A video's file was deleted for good",
    HEALTH_RAISED: "A health issue was raised",
    HEALTH_CLEARED: "A health issue was cleared",
    JOB_FAILED: "A job failed",
    YTDLP_UPDATE: "yt-dlp is old; an update is available",
}
LIBRARY_CHANGES = frozenset({VIDEO_DOWNLOADED, VIDEO_UPGRADED, VIDEO_IMPORTED, VIDEO_TRASHED, VIDEO_DELETED})
LIBRARY_REMOVALS = frozenset({VIDEO_TRASHED, VIDEO_DELETED})
"""Events that change files a media server shows (they carry `path`: absolute, as MVidarr sees it)."""

_RAISED = "mvidarr_outbox_raised"
_wakers: weakref.WeakSet[Waker] = weakref.WeakSet()


class Waker:
    """A delivery worker's wake-up, called after a transaction that raised events commits."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self.wake = wake


def add_waker(waker: Waker) -> None:
    _wakers.add(waker)


def remove_waker(waker: Waker) -> None:
    _wakers.discard(waker)


async def raise_event(session: AsyncSession, type_: str, data: dict[str, Any]) -> None:
    """Record an event of the catalogue in `session`'s transaction (delivered after its commit)."""
    session.add(OutboxEvent(type=type_, data=data, at=utcnow()))
    announce(session)


def announce(session: AsyncSession) -> None:
    """Wake the delivery workers after `session` commits (a replay or a test delivery written directly)."""
    session.sync_session.info[_RAISED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_RAISED, False):
        for waker in list(_wakers):
            waker.wake()


def _after_rollback(session: Session) -> None:
    session.info.pop(_RAISED, None)


sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_rollback", _after_rollback)
