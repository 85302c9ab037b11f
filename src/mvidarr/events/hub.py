"""The event hub: typed events fanned out to one bounded queue per subscriber.

On SQLite (one process) events are delivered in-process after the transaction that produced
them commits. On PostgreSQL every event goes through `NOTIFY` inside that transaction and every
process (this one included) delivers what its `LISTEN` connection receives, so subscribers in
all API processes see the events of all workers, in commit order, and never an event of a
transaction that rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mvidarr.db import Database, utcnow

if TYPE_CHECKING:
    import asyncpg  # type: ignore[import-untyped]

log = logging.getLogger("mvidarr.events")

# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger events travel by reference.
NOTIFY_LIMIT = 7800
SUBSCRIBER_QUEUE = 1000
_PENDING = "mvidarr_pending_events"

Resolver = Callable[[int], Awaitable[dict[str, Any] | None]]


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    """One typed event: `job.created`, `job.progress`, `job.finished`, `video.updated`, ..."""

    type: str
    data: dict[str, Any]
    at: datetime = field(default_factory=utcnow)
    ref: tuple[str, int] | None = None
    """What the event is about (kind, id); lets receivers reload an oversized payload."""

    def topics(self) -> frozenset[str]:
        kind = self.type.split(".", 1)[0]
        if kind == "job":
            topics = {"jobs", f"job:{self.data.get('id')}"}
            if self.data.get("parent_id"):
                topics.add(f"job:{self.data['parent_id']}")
            return frozenset(topics)
        if kind in ("video", "artist", "library"):
            return frozenset({"library"})
        return frozenset({kind + "s" if not kind.endswith("s") else kind})

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.data, "at": _iso(self.at)}

    def encode(self) -> bytes:
        return orjson.dumps(self.wire())

    @classmethod
    def decode(cls, raw: dict[str, Any]) -> Event:
        ref = raw.get("ref")
        return cls(
            type=str(raw["type"]),
            data=dict(raw.get("data") or {}),
            at=datetime.fromisoformat(str(raw["at"]).replace("Z", "+00:00")),
            ref=(str(ref[0]), int(ref[1])) if ref else None,
        )


class Subscription:
    """One subscriber's bounded queue; `None` in the queue means "you were too slow, stop"."""

    def __init__(self, hub: EventHub, size: int, accepts: Callable[[Event], bool] | None = None) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=size)
        self.topics: set[str] = set()
        self.accepts = accepts
        """What this subscriber may see (None: everything on its topics)."""
        self.overflowed = False

    def offer(self, payload: bytes) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.overflowed = True
            # Drop what is queued: the subscriber is disconnected, memory stays bounded.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    def end(self) -> None:
        """Tell the subscriber to stop (server shutdown)."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    def close(self) -> None:
        self._hub.unsubscribe(self)


class EventHub:
    """Fan-out of events to subscribers and listeners, locally or through PostgreSQL."""

    def __init__(self, db: Database, *, queue_size: int = SUBSCRIBER_QUEUE) -> None:
        self.db = db
        self.queue_size = queue_size
        self.channel = "mvidarr_events"
        self._subscribers: set[Subscription] = set()
        self._listeners: list[Callable[[Event], None]] = []
        self._resolvers: dict[str, Resolver] = {}
        self._conn: asyncpg.Connection[Any] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._lost = asyncio.Event()
        self.delivered = 0
        self.reconnects = 0

    @property
    def distributed(self) -> bool:
        return not self.db.is_sqlite

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    # -- subscribers -------------------------------------------------------------------------

    def subscribe(self, topics: Iterable[str] = (), accepts: Callable[[Event], bool] | None = None) -> Subscription:
        subscription = Subscription(self, self.queue_size, accepts)
        subscription.topics.update(topics)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """A callback run for every event delivered in this process (e.g. the runner's wake-up)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def add_resolver(self, kind: str, resolver: Resolver) -> None:
        """How to rebuild the data of an event about `kind` sent by reference."""
        self._resolvers[kind] = resolver

    def _tell_listeners(self, item: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:  # a broken listener must not stop delivery to the others
                log.exception("event listener failed on %s", item.type)

    def deliver(self, events: Iterable[Event]) -> None:
        """Hand events to this process's listeners and subscribers."""
        for item in events:
            self._tell_listeners(item)
            if not self._subscribers:
                continue
            topics = item.topics()
            payload: bytes | None = None
            for subscription in list(self._subscribers):
                if subscription.topics & topics and (subscription.accepts is None or subscription.accepts(item)):
                    payload = payload or item.encode()
                    subscription.offer(payload)
            self.delivered += 1

    # -- publishing --------------------------------------------------------------------------

    async def emit(self, session: AsyncSession, *events: Event) -> None:
        """Queue events for delivery when `session` commits; dropped if it rolls back.

        On PostgreSQL all events of a transaction go out in one NOTIFY statement just before
        its commit (one round trip however many there are).
        """
        if events:
            session.sync_session.info.setdefault(_PENDING, []).extend((self, e) for e in events)

    async def publish(self, *events: Event) -> None:
        """Deliver events that belong to no transaction."""
        if not self.distributed:
            self.deliver(events)
            return
        async with self.db.writer() as session:
            await self.emit(session, *events)
            await session.commit()

    def _notify_payloads(self, events: Iterable[Event]) -> list[str]:
        chunks: list[str] = []
        batch: list[bytes] = []
        size = 2
        for item in events:
            raw = orjson.dumps(item.wire())
            if len(raw) > NOTIFY_LIMIT:
                if item.ref is None:
                    log.warning("event %s is too large for NOTIFY and has no reference; dropped", item.type)
                    continue
                raw = orjson.dumps({"type": item.type, "at": _iso(item.at), "ref": list(item.ref)})
            if batch and size + len(raw) + 1 > NOTIFY_LIMIT:
                chunks.append((b"[" + b",".join(batch) + b"]").decode())
                batch, size = [], 2
            batch.append(raw)
            size += len(raw) + 1
        if batch:
            chunks.append((b"[" + b",".join(batch) + b"]").decode())
        return chunks

    # -- PostgreSQL LISTEN -------------------------------------------------------------------

    async def start(self, *, listen: bool = True) -> None:
        """Find this database's channel and LISTEN on it; `listen=False` for a process that only
        publishes (a script enqueuing jobs): it sends events but delivers none."""
        if self.distributed:
            # Databases (or schemas) sharing one server must not hear each other's events.
            async with self.db.engine.connect() as conn:
                place = (await conn.exec_driver_sql("SELECT current_database() || '_' || current_schema()")).scalar()
            self.channel = "mvidarr_events_" + "".join(c if c.isalnum() else "_" for c in str(place))[:40]
            if listen:
                await self._listen()
                self._watch = asyncio.create_task(self._keep_listening(), name="mvidarr-events-listen")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        for task in list(self._tasks):
            task.cancel()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=5)
            self._conn = None
        for subscription in list(self._subscribers):
            subscription.end()
        self._subscribers.clear()

    async def _listen(self) -> None:
        import asyncpg  # loaded only on PostgreSQL

        url = self.db.engine.url.set(drivername="postgresql")
        conn: asyncpg.Connection[Any] = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
        conn.add_termination_listener(self._on_terminated)
        await conn.add_listener(self.channel, self._on_notify)
        self._conn = conn
        self._lost.clear()

    def _on_terminated(self, _conn: object) -> None:
        self._lost.set()

    async def _keep_listening(self) -> None:
        """Reconnect the LISTEN connection as soon as it drops (then every 2 s until it is back)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await self._lost.wait()
            if self._conn is None or self._conn.is_closed():
                try:
                    await self._listen()
                    self.reconnects += 1
                    log.warning("event listener reconnected; events sent meanwhile were missed")
                    # Listeners (the runner) may have missed wake-ups; tell them to look again.
                    self._tell_listeners(Event(type="events.reconnected", data={}))
                except (OSError, _postgres_error(), TimeoutError) as exc:
                    log.warning("event listener cannot reconnect: %s", exc)
                    self._lost.clear()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            raw_events = orjson.loads(payload)
            events = [Event.decode(raw) for raw in raw_events]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("ignored a malformed event notification")
            return
        if all(item.data or item.ref is None for item in events):
            self.deliver(events)
            return
        task = asyncio.get_running_loop().create_task(self._resolve_and_deliver(events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve_and_deliver(self, events: list[Event]) -> None:
        resolved: list[Event] = []
        for item in events:
            if not item.data and item.ref is not None:
                resolver = self._resolvers.get(item.ref[0])
                data = await resolver(item.ref[1]) if resolver else None
                if data is None:
                    continue
                item = Event(type=item.type, data=data, at=item.at, ref=item.ref)
            resolved.append(item)
        self.deliver(resolved)


_NOTIFY_MANY = text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload")


def _before_commit(session: Session) -> None:
    pending: list[tuple[EventHub, Event]] = session.info.get(_PENDING, [])
    hubs = {id(hub): hub for hub, _item in pending if hub.distributed}
    for hub in hubs.values():
        payloads = hub._notify_payloads([item for owner, item in pending if owner is hub])
        if payloads:
            session.connection().execute(_NOTIFY_MANY, {"channel": hub.channel, "payloads": payloads})


def _after_commit(session: Session) -> None:
    pending: list[tuple[EventHub, Event]] = session.info.pop(_PENDING, [])
    for hub, item in pending:
        if not hub.distributed:  # distributed hubs deliver what their LISTEN connection hears
            hub.deliver((item,))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


sa_event.listen(Session, "before_commit", _before_commit)
sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_rollback", _after_rollback)


def _postgres_error() -> type[Exception]:
    import asyncpg

    error: type[Exception] = asyncpg.PostgresError
    return error
