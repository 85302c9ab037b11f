"""Watched state both ways between a user's MVidarr history and their media-server account (decision 0055).

A video and a server's item are the same when the server's path equals the video's current file
path mapped through the connection's path mappings. What is synced: the watched flag and the
resume position. Per video, the state both sides agreed on at the last sync (`watch_sync_item`)
tells which side changed since; only that side's state travels. When both changed (or there is
no earlier sync and they differ), `decide` settles it: the later play wins, then watched over
unwatched, then the further position, then MVidarr.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mvidarr.connections import clients, repository
from mvidarr.connections.clients import RemoteItem, WatchAccount, map_path
from mvidarr.db import Database, utcnow
from mvidarr.models import MediaServerConnection, WatchState, WatchSyncLink
from mvidarr.network.policy import NetworkPolicy
from mvidarr.notifications.senders import SendFailed

log = logging.getLogger("mvidarr.connections")
POSITION_TOLERANCE_S = 10.0
"""Resume positions closer than this are the same (players report every few seconds)."""
CHUNK = 500
Progress = Callable[[float, str], Awaitable[None]]
Log = Callable[[str, str], Awaitable[None]]


class Action(StrEnum):
    SAME = "same"
    PUSH = "push"  # MVidarr's state goes to the server
    PULL = "pull"  # the server's state comes to MVidarr


@dataclass(frozen=True, slots=True)
class Side:
    watched: bool
    position_s: float
    last_played_at: datetime | None = None

    def agrees(self, watched: bool, position_s: float) -> bool:
        if self.watched != watched:
            return False
        return self.watched or abs(self.position_s - position_s) < POSITION_TOLERANCE_S


def decide(local: Side, remote: Side, agreed: tuple[bool, float] | None) -> tuple[Action, bool]:
    """What to do with one video, and whether it was a conflict (both sides changed since the last sync)."""
    if local.agrees(remote.watched, remote.position_s):
        return Action.SAME, False
    local_changed = agreed is None or not local.agrees(*agreed)
    remote_changed = agreed is None or not remote.agrees(*agreed)
    if local_changed and not remote_changed:
        return Action.PUSH, False
    if remote_changed and not local_changed:
        return Action.PULL, False
    # Both changed since the last sync (a conflict), or there was none and they differ (a first meeting).
    return (Action.PUSH if _local_wins(local, remote) else Action.PULL), agreed is not None


def _local_wins(local: Side, remote: Side) -> bool:
    if local.last_played_at != remote.last_played_at:
        if local.last_played_at is None or remote.last_played_at is None:
            return remote.last_played_at is None
        return local.last_played_at > remote.last_played_at
    if local.watched != remote.watched:
        return local.watched
    if local.position_s != remote.position_s:
        return local.position_s > remote.position_s
    return True


@dataclass
class LinkResult:
    matched: int = 0
    unchanged: int = 0
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    failed: int = 0
    server_items: int = 0
    errors: list[str] = field(default_factory=list)
    last_error: str | None = None
    """What the link shows: why it failed, or which videos the server would not take."""

    def summary(self) -> dict[str, Any]:
        return {
            "matched": self.matched, "unchanged": self.unchanged, "pushed": self.pushed, "pulled": self.pulled,
            "conflicts": self.conflicts, "failed": self.failed, "server_items": self.server_items,
        }  # fmt: skip


def _local_side(row: WatchState | None) -> Side:
    if row is None:
        return Side(False, 0.0, None)
    return Side(row.watched, 0.0 if row.watched else row.position_s, row.last_played_at)


async def _quiet(_fraction: float, _message: str) -> None:
    return None


async def _quiet_log(_level: str, _message: str) -> None:
    return None


async def sync_link(
    db: Database,
    link_id: int,
    *,
    policy: NetworkPolicy,
    transport: Any = None,
    progress: Progress = _quiet,
    say: Log = _quiet_log,
) -> LinkResult:
    """Sync one link; its outcome (counts or the reason it failed) is recorded on the link."""
    async with db.reader() as session:
        link = await session.get(WatchSyncLink, link_id)
        connection = await session.get(MediaServerConnection, link.connection_id) if link else None
        total_files = await repository.count_files(session)
    if link is None or connection is None:
        raise SendFailed(f"watched-state link {link_id} does not exist", retry=False)
    result = LinkResult()
    try:
        await _sync(db, link, connection, result, policy, transport, progress, say, total_files)
    except SendFailed as exc:
        result.errors.insert(0, str(exc))
        await _record(db, link_id, result, error=str(exc))
        raise
    if result.failed:
        result.last_error = f"{_videos(result.failed)} could not be written to the server: {result.errors[0]}"
    await _record(db, link_id, result, error=result.last_error)
    return result


async def _sync(
    db: Database,
    link: WatchSyncLink,
    connection: MediaServerConnection,
    result: LinkResult,
    policy: NetworkPolicy,
    transport: Any,
    progress: Progress,
    say: Log,
    total_files: int,
) -> None:
    server = clients.client(connection, policy, transport)
    account = WatchAccount(remote_user=link.remote_user, token=link.token)
    remote = {item.path: item for item in await server.watch_items(account)}
    result.server_items = len(remote)
    mappings = connection.path_mappings or []
    after, seen = 0, 0
    while True:
        async with db.reader() as session:
            files, after = await repository.files_after(session, after, CHUNK)
        if not files:
            return
        seen += len(files)
        pairs = {f.video_id: remote[p] for f in files if (p := map_path(f.path, mappings)) in remote}
        if pairs:
            await _chunk(db, link, server, account, pairs, result, say)
        await progress(seen / max(total_files, 1), f"{connection.name}: {seen} of {total_files} files compared")


async def _chunk(
    db: Database,
    link: WatchSyncLink,
    server: clients.Jellyfin | clients.Plex | clients.Kodi,
    account: WatchAccount,
    pairs: dict[int, RemoteItem],
    result: LinkResult,
    say: Log,
) -> None:
    ids = list(pairs)
    async with db.reader() as session:
        locals_ = await repository.local_states(session, link.user_id, ids)
        agreed = await repository.agreed(session, link.id, ids)
    pulls: list[tuple[int, RemoteItem, WatchState | None]] = []
    settled: dict[int, tuple[bool, float]] = {}
    for video_id, item in pairs.items():
        result.matched += 1
        local = _local_side(locals_.get(video_id))
        remote = Side(item.watched, 0.0 if item.watched else item.position_s, item.last_played_at)
        base = agreed.get(video_id)
        action, conflict = decide(local, remote, (base.watched, base.position_s) if base else None)
        result.conflicts += conflict
        if action is Action.SAME:
            result.unchanged += 1
            if base is None or not local.agrees(base.watched, base.position_s):
                settled[video_id] = (local.watched, local.position_s)
        elif action is Action.PULL:
            result.pulled += 1
            pulls.append((video_id, item, locals_.get(video_id)))
            settled[video_id] = (remote.watched, remote.position_s)
        else:
            try:
                await server.set_watch_state(account, item, local.watched, local.position_s)
            except SendFailed as exc:
                if exc.status in (401, 403):
                    raise
                result.failed += 1
                result.errors.append(str(exc))
                await say("warning", f"video {video_id} ({item.path}): {exc}")
                continue
            result.pushed += 1
            settled[video_id] = (local.watched, local.position_s)
    if not settled:
        return
    now = utcnow()
    async with db.writer() as session:
        for video_id, item, row in pulls:
            last = item.last_played_at
            if row is not None and row.last_played_at is not None and (last is None or row.last_played_at > last):
                last = row.last_played_at
            taken = await repository.pull_state(
                session, link.user_id, row, video_id, watched=item.watched,
                position_s=0.0 if item.watched else item.position_s, last_played_at=last,
            )  # fmt: skip
            if not taken:
                result.pulled -= 1
                result.unchanged += 1
                settled.pop(video_id, None)
        for video_id, (watched, position_s) in settled.items():
            await repository.save_agreed(session, link.id, video_id, watched=watched, position_s=position_s, now=now)
        await session.commit()


def _videos(count: int) -> str:
    return f"{count} video" if count == 1 else f"{count} videos"


async def _record(db: Database, link_id: int, result: LinkResult, *, error: str | None) -> None:
    async with db.writer() as session:
        link = await session.get(WatchSyncLink, link_id)
        if link is not None:
            link.last_synced_at = utcnow()
            link.last_result = result.summary()
            link.last_error = error[:2000] if error else None
            await session.commit()
