"""`mvidarr worker` processes report themselves to the database, so `/metrics` on any API process
shows their memory, CPU, slots and running jobs, wherever they run (decision 0057).

A worker writes its row at start and every heartbeat, and deletes it when it stops. A worker that
died without a word stops counting once its row is older than three report intervals, and its row
is deleted by the next report of any worker after a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database, utcnow
from mvidarr.metrics.process import read_proc_self
from mvidarr.models import WorkerProcess

log = logging.getLogger("mvidarr.jobs")
STALE_AFTER_REPORTS = 3
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Figures:
    """What a worker reports about itself."""

    slots: int
    running_jobs: int


async def report(
    db: Database, worker_id: str, figures: Figures, *, every_s: float, started_at: datetime, now: datetime
) -> None:
    """Write this worker's row (memory and CPU from /proc) and drop rows of workers long gone."""
    rss, vms, cpu = read_proc_self() or (0.0, 0.0, 0.0)
    async with db.writer() as session:
        row = await session.get(WorkerProcess, worker_id)
        if row is None:
            row = WorkerProcess(worker_id=worker_id, host=socket.gethostname()[:64], pid=os.getpid())
            session.add(row)
        row.slots = figures.slots
        row.running_jobs = figures.running_jobs
        row.resident_bytes = int(rss)
        row.virtual_bytes = int(vms)
        row.cpu_seconds = cpu
        row.report_every_s = every_s
        row.started_at = started_at
        row.reported_at = now
        await session.execute(delete(WorkerProcess).where(WorkerProcess.reported_at < now - FORGET_AFTER))
        await session.commit()


async def forget(db: Database, worker_id: str) -> None:
    async with db.writer() as session:
        await session.execute(delete(WorkerProcess).where(WorkerProcess.worker_id == worker_id))
        await session.commit()


async def live(session: AsyncSession, now: datetime) -> list[WorkerProcess]:
    """The workers that reported within three of their report intervals."""
    rows = (await session.scalars(select(WorkerProcess).order_by(WorkerProcess.worker_id))).all()
    return [row for row in rows if is_live(row.reported_at, row.report_every_s, now)]


def is_live(reported_at: datetime, report_every_s: float, now: datetime) -> bool:
    """Whether a worker that last reported at `reported_at` still counts: fewer than three missed reports."""
    return reported_at >= now - timedelta(seconds=report_every_s * STALE_AFTER_REPORTS)


@contextlib.asynccontextmanager
async def reporting(
    db: Database, worker_id: str, figures: Callable[[], Figures], *, every_s: float
) -> AsyncIterator[None]:
    """Report every `every_s` while the block runs; delete the row when it ends."""
    started_at = utcnow()

    async def loop() -> None:
        while True:
            try:
                await report(db, worker_id, figures(), every_s=every_s, started_at=started_at, now=utcnow())
            except Exception:  # a missed report only ages the row; the worker keeps working
                log.warning("worker %s could not report its figures", worker_id, exc_info=True)
            await asyncio.sleep(every_s)

    task = asyncio.create_task(loop(), name="mvidarr-worker-report")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await forget(db, worker_id)
