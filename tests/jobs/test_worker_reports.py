"""Worker reports (decision 0057): the live set, staleness and clean-up, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mvidarr.db import Database, utcnow
from mvidarr.jobs import workers
from mvidarr.models import WorkerProcess

pytestmark = pytest.mark.anyio


async def test_a_report_is_live_for_three_intervals_then_stale_then_forgotten_after_a_day(db: Database) -> None:
    now = utcnow()
    figures = workers.Figures(slots=4, running_jobs=1)
    await workers.report(db, "host:1:aaaaaa", figures, every_s=10.0, started_at=now - timedelta(hours=1), now=now)
    async with db.reader() as session:
        (row,) = await workers.live(session, now + timedelta(seconds=29))
        assert (row.slots, row.running_jobs) == (4, 1)
        assert row.resident_bytes > 0
        assert row.cpu_seconds > 0
        assert await workers.live(session, now + timedelta(seconds=31)) == [], "three missed reports: not live"

    later = now + timedelta(days=1, seconds=1)
    await workers.report(db, "host:2:bbbbbb", figures, every_s=10.0, started_at=later, now=later)
    async with db.reader() as session:
        rows = (await session.scalars(select(WorkerProcess))).all()
    assert [r.worker_id for r in rows] == ["host:2:bbbbbb"], "a row silent for a day is deleted"


async def test_a_second_report_updates_the_row_and_forget_deletes_it(db: Database) -> None:
    now = utcnow()
    await workers.report(db, "w", workers.Figures(2, 0), every_s=5.0, started_at=now, now=now)
    await workers.report(db, "w", workers.Figures(2, 2), every_s=5.0, started_at=now, now=now + timedelta(seconds=5))
    async with db.reader() as session:
        (row,) = await workers.live(session, now + timedelta(seconds=6))
    assert row.running_jobs == 2
    await workers.forget(db, "w")
    async with db.reader() as session:
        assert await workers.live(session, now) == []
