"""The delivery worker: fans outbox events out into deliveries and sends those, with retries.

One runs in every process that runs jobs (`mvidarr serve` unless `--no-jobs`, `mvidarr worker`).
A round is one transaction: record the outcomes of the sends that finished, turn new outbox
events into deliveries, and claim the deliveries that are due (pending, or sending with a lapsed
lease: a worker that died mid-send, even by `kill -9`, loses nothing; the send is repeated, so a
receiver may see a delivery twice and can tell by `X-MVidarr-Delivery`). Sends run concurrently
outside any transaction, bounded by a semaphore (decision 0036).

One module past 400 lines on purpose: a round's transaction, the claims it makes and the sends it
records follow one lease protocol; split, the protocol would be spread over files.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from mvidarr.config import Settings
from mvidarr.connections import clients
from mvidarr.db import Database
from mvidarr.jobs.clock import Clock, backoff_s
from mvidarr.models import Delivery, DeliveryStatus, MediaServerConnection, NotificationTarget, OutboxEvent, TargetKind
from mvidarr.network.policy import NetworkPolicy
from mvidarr.network.settings import policy_from_settings
from mvidarr.notifications import catalogue, repository
from mvidarr.notifications.senders import SendFailed, Sent, run_script, send_apprise, send_webhook
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

log = logging.getLogger("mvidarr.notifications")
CONCURRENCY = 16
BATCH = 500
LEASE_S = 120.0
"""A media-server refresh's lease (several calls of up to 15 s each)."""
LEASE_MARGIN_S = 10.0
POLL_S = 1.0
POLICY_CACHE_S = 5.0
PRUNE_EVERY_S = 3600.0
KEEP_EVENTS = timedelta(days=7)
KEEP_DELIVERIES = timedelta(days=30)
REFRESH_MAX_WAIT = timedelta(seconds=120)
MAX_REFRESH_PATHS = 1000
"""More changed files than this in one refresh: the media server scans its whole library instead."""
RETRY_BASE_S = 5.0
RETRY_MAX_S = 3600.0


def payload_of(event: OutboxEvent) -> dict[str, Any]:
    """The JSON body a webhook receives (and what scripts and Apprise messages are made from)."""
    return {"event": event.type, "id": event.id, "at": _iso(event.at), "data": event.data}


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class _Claimed:
    delivery_id: int
    attempt: int
    max_attempts: int
    event_type: str
    payload: dict[str, Any]
    target: NotificationTarget | None
    connection: MediaServerConnection | None


@dataclass(slots=True)
class _Outcome:
    claimed: _Claimed
    sent: Sent | None
    failure: SendFailed | None
    duration_ms: int


class DeliveryWorker:
    """Dispatches and sends deliveries for one process."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock | None = None,
        concurrency: int = CONCURRENCY,
        poll_s: float = POLL_S,
        lease_s: float = LEASE_S,
        transport: Any = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock or Clock()
        self.concurrency = concurrency
        self.poll_s = poll_s
        self.lease_s = lease_s
        self.transport = transport
        """An httpx transport for tests; None sends over the network."""
        self._wake = asyncio.Event()
        self._waker = catalogue.Waker(self.wake)
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._outcomes: list[_Outcome] = []
        self._loop_task: asyncio.Task[None] | None = None
        self._policy: tuple[float, NetworkPolicy] | None = None
        self._pruned_at = 0.0
        self.stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        catalogue.add_waker(self._waker)
        self._loop_task = asyncio.create_task(self._run(), name="mvidarr-deliveries")

    async def stop(self, grace_s: float = 5.0) -> None:
        """Let sends in flight end for `grace_s` and record them; the rest run again after their lease."""
        self.stopping = True
        catalogue.remove_waker(self._waker)
        if self._inflight:
            await asyncio.wait(list(self._inflight.values()), timeout=grace_s)
        for task in list(self._inflight.values()):
            task.cancel()
        if self._loop_task is not None:
            self.wake()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                async with asyncio.timeout(grace_s):
                    await self._loop_task
            if not self._loop_task.done():
                self._loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._loop_task

    async def _run(self) -> None:
        failures = 0
        polled = False
        while True:
            self._wake.clear()
            outcomes, self._outcomes = self._outcomes, []
            if self.stopping:
                if outcomes:
                    with contextlib.suppress(Exception):
                        await self._round(outcomes, claim=False, dispatch=False)
                return
            try:
                # A poll that nothing woke first looks with a read (no write lock on SQLite when idle).
                if polled and not outcomes and not await self._anything_to_do():
                    busy = False
                else:
                    busy = await self._round(outcomes, claim=True)
                failures = 0
            except (OperationalError, DBAPIError, OSError) as exc:
                self._outcomes[:0] = outcomes
                failures += 1
                log.warning("delivery round failed (%s); retrying", exc)
                await asyncio.sleep(min(30.0, self.poll_s * failures))
                continue
            except Exception:  # a bug must not stop deliveries for good; the rows stay and are retried
                log.exception("delivery round failed")
                await asyncio.sleep(self.poll_s)
                continue
            if busy or self._outcomes:
                await asyncio.sleep(0)
                continue
            polled = False
            try:
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()
            except TimeoutError:
                polled = True

    async def _anything_to_do(self) -> bool:
        async with self.db.reader() as session:
            return await repository.anything_to_do(session, self.clock.now())

    async def _policy_now(self) -> NetworkPolicy:
        if self._policy is None or time.monotonic() - self._policy[0] > POLICY_CACHE_S:
            async with self.db.reader() as session:
                self._policy = (time.monotonic(), await policy_from_settings(session))
        return self._policy[1]

    async def _round(
        self, outcomes: list[_Outcome], *, claim: bool, dispatch: bool = True, free: int | None = None
    ) -> bool:
        """One transaction: record, dispatch, claim. True when there may be more to do at once."""
        now = self.clock.now()
        claimed: list[_Claimed] = []
        dispatched = 0
        free = self.concurrency - len(self._inflight) if free is None else free
        async with self.db.writer() as session:
            for outcome in outcomes:
                await repository.record(session, outcome.claimed.delivery_id, outcome.claimed.attempt,
                                        self._outcome_values(outcome, now))  # fmt: skip
            if dispatch:
                dispatched = await self._dispatch(session, now)
            if claim and free > 0:
                claimed = await self._claim(session, now, free)
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                await repository.prune(session, now - KEEP_EVENTS, now - KEEP_DELIVERIES)
            await session.commit()
        for item in claimed:
            self._launch(item)
        return dispatched >= BATCH or (free > 0 and len(claimed) == free)

    async def _dispatch(self, session: Any, now: datetime) -> int:
        events = await repository.undispatched(session, BATCH)
        if not events:
            return 0
        targets = await repository.enabled_targets(session)
        connections = list(await repository.enabled_connections(session))
        changes: list[tuple[OutboxEvent, str]] = []
        for event in events:
            event.dispatched_at = now
            payload = payload_of(event)
            for target in targets:
                if event.type in (target.events or []):
                    session.add(
                        Delivery(
                            target_id=target.id,
                            event_id=event.id,
                            event_type=event.type,
                            payload=payload,
                            status=DeliveryStatus.PENDING,
                            attempts=0,
                            max_attempts=1 if target.kind == TargetKind.SCRIPT else 8,
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
            path = event.data.get("path")
            if event.type in catalogue.LIBRARY_CHANGES and isinstance(path, str):
                changes.append((event, path))
        if connections and changes:
            delay = await runtime_settings.get(session, setting_keys.CONNECTIONS_REFRESH_DELAY_S)
            for connection in connections:
                await self._join_refresh(session, connection, changes, now, delay)
        await session.flush()
        return len(events)

    async def _join_refresh(
        self,
        session: Any,
        connection: MediaServerConnection,
        changes: list[tuple[OutboxEvent, str]],
        now: datetime,
        delay: int,
    ) -> None:
        """Coalesce: a batch of changes joins the connection's refresh not sent yet, which waits `delay` s
        after the last change (at most REFRESH_MAX_WAIT after the first), so a burst makes one refresh.
        Past MAX_REFRESH_PATHS paths the refresh becomes a full library scan (`full`)."""
        waiting = await repository.waiting_refresh(session, connection.id)
        payload: dict[str, Any] = (
            {k: (list(v) if isinstance(v, list) else v) for k, v in waiting.payload.items()}
            if waiting is not None
            else {"paths": [], "removed": [], "events": [], "full": False}
        )
        for key in ("paths", "removed"):
            payload.setdefault(key, [])
        seen = {key: set(payload[key]) for key in ("paths", "removed")}
        for event, path in changes:
            key, other = ("removed", "paths") if event.type in catalogue.LIBRARY_REMOVALS else ("paths", "removed")
            if path in seen[other]:
                # The later change wins: an upgrade trashes the old file and puts the new one at its path.
                seen[other].discard(path)
                payload[other].remove(path)
            if payload.get("full") or path in seen[key]:
                continue
            if len(seen["paths"]) + len(seen["removed"]) >= MAX_REFRESH_PATHS:
                payload.update(full=True, paths=[], removed=[])
                continue
            payload[key].append(path)
            seen[key].add(path)
        payload["events"] = [*payload.get("events", []), *(event.id for event, _path in changes)][-1000:]
        if waiting is None:
            session.add(
                Delivery(
                    connection_id=connection.id,
                    event_id=changes[0][0].id,
                    event_type="library.refresh",
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    max_attempts=5,
                    next_attempt_at=now + timedelta(seconds=delay),
                    created_at=now,
                )
            )
            return
        waiting.payload = payload
        waiting.next_attempt_at = min(waiting.created_at + REFRESH_MAX_WAIT, now + timedelta(seconds=delay))

    async def _claim(self, session: Any, now: datetime, free: int) -> list[_Claimed]:
        # A send of this worker still running past its lease is not taken again by this worker.
        rows = [row for row in await repository.due(session, now, free) if row.id not in self._inflight]
        if not rows:
            return []
        targets = await repository.targets_by_id(session, [r.target_id for r in rows if r.target_id is not None])
        connections = await repository.connections_by_id(
            session, [r.connection_id for r in rows if r.connection_id is not None]
        )
        claimed: list[_Claimed] = []
        for row in rows:
            target = targets.get(row.target_id) if row.target_id is not None else None
            # Long enough for the send to end (its timeout), short enough that a dead worker's sends
            # go out again soon; a refresh makes several calls.
            lease_s = target.timeout_s + LEASE_MARGIN_S if target is not None else self.lease_s
            row.status = DeliveryStatus.SENDING
            row.attempts += 1
            row.lease_until = now + timedelta(seconds=lease_s)
            claimed.append(
                _Claimed(
                    delivery_id=row.id,
                    attempt=row.attempts,
                    max_attempts=row.max_attempts,
                    event_type=row.event_type,
                    payload=dict(row.payload),
                    target=target,
                    connection=connections.get(row.connection_id) if row.connection_id is not None else None,
                )
            )
        await session.flush()
        return claimed

    def _launch(self, claimed: _Claimed) -> None:
        task = asyncio.create_task(self._send(claimed), name=f"mvidarr-delivery-{claimed.delivery_id}")
        self._inflight[claimed.delivery_id] = task
        task.add_done_callback(functools.partial(self._done, claimed.delivery_id))

    def _done(self, delivery_id: int, _task: asyncio.Task[None]) -> None:
        self._inflight.pop(delivery_id, None)

    async def _send(self, claimed: _Claimed) -> None:
        started = time.monotonic()
        sent: Sent | None = None
        failure: SendFailed | None = None
        try:
            sent = await deliver(claimed.delivery_id, claimed.payload, claimed.target, claimed.connection,
                                 policy=await self._policy_now(), scripts=self.settings.scripts_folder,
                                 transport=self.transport)  # fmt: skip
        except SendFailed as exc:
            failure = exc
        except asyncio.CancelledError:
            return  # worker stopping: the lease lapses and the send runs again
        except Exception as exc:  # a bug in a sender is this delivery's failure, logged with its id
            log.exception("delivery %s failed", claimed.delivery_id)
            failure = SendFailed(f"{type(exc).__name__}: {exc}", retry=True)
        self._outcomes.append(_Outcome(claimed, sent, failure, int((time.monotonic() - started) * 1000)))
        self.wake()

    def _outcome_values(self, outcome: _Outcome, now: datetime) -> dict[str, object]:
        claimed = outcome.claimed
        values: dict[str, object] = {"duration_ms": outcome.duration_ms, "lease_until": None}
        if outcome.failure is None:
            assert outcome.sent is not None
            values.update(
                status=DeliveryStatus.DELIVERED,
                finished_at=now,
                response_status=outcome.sent.status,
                response_body=outcome.sent.response,
                error=None,
            )
            return values
        failure = outcome.failure
        values.update(response_status=failure.status, response_body=failure.response, error=str(failure)[:2000])
        if failure.retry and claimed.attempt < claimed.max_attempts:
            wait = backoff_s(claimed.attempt, base_s=RETRY_BASE_S, max_s=RETRY_MAX_S, clock=self.clock)
            values.update(status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=wait))
            log.info("delivery %s failed (attempt %s), retrying in %.0f s: %s", claimed.delivery_id,
                     claimed.attempt, wait, failure)  # fmt: skip
        else:
            values.update(status=DeliveryStatus.FAILED, finished_at=now)
            log.warning("delivery %s (%s) failed for good: %s", claimed.delivery_id, claimed.event_type, failure)
        return values


async def deliver(
    delivery_id: int,
    payload: dict[str, Any],
    target: NotificationTarget | None,
    connection: MediaServerConnection | None,
    *,
    policy: NetworkPolicy,
    scripts: Path,
    transport: Any = None,
) -> Sent:
    """Send one delivery now (the worker's sends and the "send test" buttons)."""
    if connection is not None:
        return await clients.refresh(connection, payload, policy=policy, transport=transport)
    if target is None:
        raise SendFailed("its target was deleted", retry=False)
    if target.kind == TargetKind.WEBHOOK:
        assert target.url is not None
        return await send_webhook(target.url, target.secret, payload, delivery_id=delivery_id, policy=policy,
                                  timeout_s=target.timeout_s, transport=transport)  # fmt: skip
    if target.kind == TargetKind.APPRISE:
        assert target.url is not None
        return await send_apprise(target.url, payload, policy=policy, timeout_s=target.timeout_s)
    if target.kind == TargetKind.SCRIPT:
        assert target.script is not None
        return await run_script(scripts, target.script, payload, delivery_id=delivery_id, timeout_s=target.timeout_s)
    raise SendFailed(f"unknown target kind {target.kind}", retry=False)
