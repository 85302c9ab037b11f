"""The event hub: delivery only after commit, NOTIFY batching, oversized events by reference, and
the PostgreSQL listener coming back after its connection drops."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from sqlalchemy import text, update

from mvidarr.db import Database
from mvidarr.events import hub as hub_module
from mvidarr.events.hub import Event, EventHub, Subscription
from mvidarr.jobs import service, transitions
from mvidarr.models import Job
from tests.jobs import handlers  # noqa: F401  (registers the test job types)

pytestmark = pytest.mark.anyio
postgres_only = pytest.mark.postgres_only  # LISTEN/NOTIFY is PostgreSQL's


async def next_event(subscription: Subscription, within_s: float = 5) -> dict[str, Any]:
    payload = await asyncio.wait_for(subscription.queue.get(), within_s)
    assert payload is not None
    event: dict[str, Any] = orjson.loads(payload)
    return event


async def test_payloads_are_batched_under_the_limit_and_oversized_ones_go_by_reference(db: Database) -> None:
    hub = EventHub(db)
    small = [Event(type="job.progress", data={"id": n, "message": "x" * 500}, ref=("job", n)) for n in range(40)]
    huge = Event(type="job.finished", data={"id": 99, "result": {"blob": "y" * 20_000}}, ref=("job", 99))
    orphan = Event(type="notification", data={"text": "z" * 20_000})
    payloads = hub._notify_payloads([*small, huge, orphan])
    assert len(payloads) > 1
    assert all(len(p.encode()) <= hub_module.NOTIFY_LIMIT for p in payloads)
    decoded = [item for p in payloads for item in orjson.loads(p)]
    # Order kept; the huge one became a reference; the one without a reference was dropped.
    assert [d["data"]["id"] for d in decoded[:40]] == list(range(40))
    assert decoded[40] == {"type": "job.finished", "at": decoded[40]["at"], "ref": ["job", 99]}
    assert len(decoded) == 41


async def test_events_are_delivered_after_commit_and_dropped_on_rollback(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    subscription = hub.subscribe({"jobs"})
    try:
        async with db.writer() as session:
            await service.enqueue(session, hub, "test.sleep", {"label": "dropped"})
            await asyncio.sleep(0.2)
            assert subscription.queue.empty()  # not before the commit
            await session.rollback()
        async with db.writer() as session:
            jobs = await service.enqueue_many(session, hub, "test.sleep", [{"label": f"n{n}"} for n in range(30)])
            await session.commit()
        seen = [await next_event(subscription) for _ in range(30)]
        assert [e["data"]["id"] for e in seen] == [job.id for job in jobs]
        assert {e["type"] for e in seen} == {"job.created"}
        await asyncio.sleep(0.2)
        assert subscription.queue.empty()
    finally:
        subscription.close()


@postgres_only
async def test_an_event_over_the_notify_limit_arrives_whole_by_reference(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        job, _ = await service.enqueue(session, hub, "test.sleep", {})
        await session.commit()
    result = {"files": [f"/library/artist {n}/video {n}.mkv" for n in range(800)]}
    assert len(orjson.dumps(result)) > 2 * hub_module.NOTIFY_LIMIT
    subscription = hub.subscribe({f"job:{job.id}"})
    try:
        async with db.writer() as session:
            await session.execute(update(Job).where(Job.id == job.id).values(result=result, message="done"))
            stored = await session.get(Job, job.id, populate_existing=True)
            assert stored is not None
            await hub.emit(session, transitions.job_event("job.progress", stored))
            await session.commit()
        event = await next_event(subscription)
        if event["type"] == "job.created":  # the enqueue's own NOTIFY may arrive after subscribing
            event = await next_event(subscription)
        assert event["type"] == "job.progress"
        assert event["data"]["id"] == job.id
        assert event["data"]["result"] == result
        assert event["data"]["message"] == "done"
        assert event["at"].endswith("Z")
    finally:
        subscription.close()


@postgres_only
async def test_the_listener_reconnects_after_its_connection_is_killed(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    listener = hub._conn
    assert listener is not None
    woken: list[str] = []
    hub.add_listener(lambda event: woken.append(event.type))
    async with db.engine.connect() as conn:
        killed = await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.get_server_pid()})
        assert killed.scalar() is True
    deadline = time.monotonic() + 10
    while hub._conn is listener or hub._conn is None or hub._conn.is_closed():
        assert time.monotonic() < deadline, "the listener did not come back"
        await asyncio.sleep(0.02)
    assert hub.reconnects == 1
    assert "events.reconnected" in woken
    subscription = hub.subscribe({"jobs"})
    try:
        async with db.writer() as session:
            job, _ = await service.enqueue(session, hub, "test.sleep", {})
            await session.commit()
        event = await next_event(subscription)
        assert (event["type"], event["data"]["id"]) == ("job.created", job.id)
        await hub.publish(Event(type="job.progress", data={"id": job.id, "status": "queued"}))
        assert (await next_event(subscription))["data"] == {"id": job.id, "status": "queued"}
    finally:
        subscription.close()
