"""Bulk enqueue (`enqueue_many`, `ctx.spawn_many`) and the worker's batched recording of outcomes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.errors import PayloadTooLarge
from mvidarr.events.hub import EventHub
from mvidarr.jobs import repository, service, transitions
from mvidarr.jobs.runner import Runner
from mvidarr.jobs.service import JobParamsInvalid, JobTypeNotFound
from mvidarr.jobs.transitions import Outcome
from mvidarr.models import Job, JobStatus
from tests.jobs import handlers
from tests.jobs.conftest import FakeClock
from tests.jobs.helpers import load, wait_for

pytestmark = pytest.mark.anyio


async def count_jobs(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count(Job.id))) or 0)


async def test_enqueue_many_inserts_in_order_with_the_types_defaults(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        jobs = await service.enqueue_many(
            session, hub, "test.sleep", [{"label": f"n{n}"} for n in range(250)], priority=7, created_by=None
        )
        await session.commit()
    assert len(jobs) == 250
    ids = [job.id for job in jobs]
    assert ids == sorted(ids)
    stored = await load(db, ids[42])
    assert stored.params == {"seconds": 0.0, "label": "n42"}
    assert (stored.status, stored.priority, stored.max_attempts, stored.attempts) == (JobStatus.QUEUED, 7, 1, 0)
    async with db.writer() as session:
        assert await service.enqueue_many(session, hub, "test.sleep", []) == []


async def test_enqueue_many_is_all_or_nothing(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        with pytest.raises(JobParamsInvalid) as invalid:
            await service.enqueue_many(session, hub, "test.sleep", [{}, {"seconds": "soon"}, {}])
        assert invalid.value.errors[0].loc == ["body", "params", "seconds"]
        with pytest.raises(JobTypeNotFound):
            await service.enqueue_many(session, hub, "video.nope", [{}])
        with pytest.raises(PayloadTooLarge):
            await service.enqueue_many(session, hub, "test.sleep", [{"label": "x" * 70_000}])
        await session.commit()
    assert await count_jobs(db) == 0


async def test_enqueue_many_of_a_deduplicated_type_answers_the_active_twins(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        first = await service.enqueue_many(session, hub, "test.dedupe", [{"seconds": 1}, {"seconds": 2}])
        await session.commit()
    async with db.writer() as session:
        again = await service.enqueue_many(
            session, hub, "test.dedupe", [{"seconds": 2}, {"seconds": 3}, {"seconds": 3}]
        )
        await session.commit()
    assert again[0].id == first[1].id
    assert again[1].id == again[2].id
    assert await count_jobs(db) == 3


async def test_a_bulk_parent_spawns_children_in_one_go_and_finishes_with_them(
    app: Any, db: Database, runner: Runner, client: httpx.AsyncClient
) -> None:
    response = await client.post("/api/v1/jobs", json={"type": "test.spawn", "params": {"children": 40, "bulk": True}})
    parent_id = response.json()["id"]
    parent = await wait_for(db, parent_id, within_s=20)
    assert parent.status == JobStatus.SUCCEEDED
    assert parent.result == {"spawned": 40, "children": {"succeeded": 40}}
    children = (await client.get("/api/v1/jobs", params={"parent_id": parent_id, "page_size": 100})).json()
    assert children["total"] == 40
    assert {c["created_by"] for c in children["items"]} == {1}


async def test_outcomes_of_jobs_whose_lease_was_taken_are_dropped(app: Any, db: Database, clock: FakeClock) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        jobs = await service.enqueue_many(session, hub, "test.sleep", [{}, {}, {}])
        await session.commit()
    now = clock.now()
    async with db.writer() as session:
        claimed = await repository.claim(
            session,
            worker_id="me",
            slots=3,
            now=now,
            lease_until=transitions.after(now, 60),
            known_types=["test.sleep"],
            limits={},
        )
        await session.commit()
    assert [job.id for job in claimed] == [job.id for job in jobs]
    stolen = jobs[2].id
    async with db.writer() as session:
        job = await session.get(Job, stolen)
        assert job is not None
        job.worker_id = "someone-else"
        job.attempts = 2
        await session.commit()
    outcomes = [
        Outcome(jobs[0].id, JobStatus.SUCCEEDED, result={"ok": True}),
        Outcome(jobs[1].id, JobStatus.FAILED, error="ValueError: no", error_detail="Traceback ..."),
        Outcome(stolen, JobStatus.SUCCEEDED),
    ]
    async with db.writer() as session:
        recorded = await transitions.record_outcomes(session, hub, "me", outcomes, clock.now())
        await session.commit()
    assert recorded == [jobs[0].id, jobs[1].id]
    done, failed, running = [await load(db, job.id) for job in jobs]
    assert (done.status, done.result, done.worker_id, done.progress) == (JobStatus.SUCCEEDED, {"ok": True}, None, 1.0)
    assert (failed.status, failed.error, failed.error_detail) == (JobStatus.FAILED, "ValueError: no", "Traceback ...")
    assert (running.status, running.worker_id, running.attempts) == (JobStatus.RUNNING, "someone-else", 2)


async def test_many_quick_jobs_are_recorded_in_few_transactions(
    app: Any, db: Database, runner: Runner, count_statements: Any
) -> None:
    hub: EventHub = app.state.events
    async with db.writer() as session:
        jobs = await service.enqueue_many(session, hub, "test.sleep", [{"label": str(n)} for n in range(200)])
        await session.commit()
    runner.wake()
    for job in jobs:
        assert (await wait_for(db, job.id, within_s=20)).status == JobStatus.SUCCEEDED
    await asyncio.sleep(0.1)
    updates = [s for s in count_statements.statements if s.lstrip().upper().startswith("UPDATE JOB SET")]
    claims = [s for s in updates if "attempts=(job.attempts +" in s]
    finishes = [s for s in updates if "finished_at=" in s]
    # Four slots: at most 4 jobs per claim; the outcomes of a round are one (executemany)
    # statement in the next round's transaction, not one transaction per job.
    assert 50 <= len(claims) <= 80, len(claims)
    assert len(finishes) <= len(claims) + 2, (len(finishes), len(claims))
    starts = [job_id for event, job_id in handlers.SEEN if event == "start"]
    assert sorted(starts) == [job.id for job in jobs]
