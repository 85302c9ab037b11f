"""The figures every process shares, read from the database at scrape time: jobs, the queue,
job durations, downloads and provider counters."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import Download, Job, ProviderState
from mvidarr.models.job import JobStatus

# Upper bounds of the job duration buckets, in seconds (a no-op job to a long scan).
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


@dataclass(frozen=True, slots=True)
class QueueRow:
    type: str
    ready: int
    delayed: int
    oldest_ready_at: datetime | None


@dataclass(frozen=True, slots=True)
class DurationRow:
    type: str
    status: str
    count: int
    sum_s: float
    buckets: tuple[int, ...]
    """Jobs at or under each bound of JOB_BUCKETS (cumulative, as Prometheus wants)."""


@dataclass(frozen=True, slots=True)
class DownloadRow:
    status: str
    count: int
    size_bytes: int
    downloaded_bytes: int
    speed: float


@dataclass(frozen=True, slots=True)
class ProviderCounts:
    provider: str
    requests: int
    errors: int


async def jobs_by_type_status(session: AsyncSession) -> list[tuple[str, str, int]]:
    rows = await session.execute(select(Job.type, Job.status, func.count()).group_by(Job.type, Job.status))
    return [(str(t), str(s), int(n)) for t, s, n in rows]


async def queue(session: AsyncSession, now: datetime) -> list[QueueRow]:
    ready = Job.run_after <= now
    rows = await session.execute(
        select(
            Job.type,
            func.sum(case((ready, 1), else_=0)),
            func.count(),
            func.min(case((ready, Job.run_after), else_=None)),
        )
        .where(Job.status == JobStatus.QUEUED)
        .group_by(Job.type)
    )
    return [
        QueueRow(type=str(t), ready=int(r or 0), delayed=int(n) - int(r or 0), oldest_ready_at=_as_datetime(oldest))
        for t, r, n, oldest in rows
    ]


def _as_datetime(value: object) -> datetime | None:
    """min() over a CASE loses the column type on SQLite: the value comes back as text."""
    if value is None or isinstance(value, datetime):
        return value
    from datetime import UTC

    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


async def durations(session: AsyncSession) -> list[DurationRow]:
    """Run time of the finished jobs still in the history (pruned after `jobs.retention_days`):
    one pass over the (type, status, run_s) index, counted per bucket, made cumulative here."""
    # Constants written into the statement and the bucket grouped by its name: with bound values
    # the GROUP BY repeats the CASE as a different expression, which SQLite then computes twice
    # and sorts in a temporary tree (23 ms instead of 4 for 10,000 jobs).
    bucket = case(
        *((Job.run_s <= literal_column(repr(bound)), literal_column(str(i))) for i, bound in enumerate(JOB_BUCKETS)),
        else_=literal_column(str(len(JOB_BUCKETS))),
    ).label("bucket")
    rows = await session.execute(
        select(Job.type, Job.status, bucket, func.count(), func.sum(Job.run_s))
        .where(Job.run_s.is_not(None))
        .group_by(Job.type, Job.status, literal_column("bucket"))
    )
    found: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    for job_type, status, index, count, total in rows:
        counts, sums = found.setdefault((str(job_type), str(status)), ([0] * (len(JOB_BUCKETS) + 1), [0.0]))
        counts[int(index)] += int(count)
        sums[0] += float(total or 0.0)
    result = []
    for (job_type, status), (counts, sums) in sorted(found.items()):
        cumulative = list(itertools.accumulate(counts))
        result.append(
            DurationRow(
                type=job_type,
                status=status,
                count=cumulative[-1],
                sum_s=sums[0],
                buckets=tuple(cumulative[: len(JOB_BUCKETS)]),
            )
        )
    return result


async def downloads(session: AsyncSession) -> list[DownloadRow]:
    rows = await session.execute(
        select(
            Download.status,
            func.count(),
            func.coalesce(func.sum(Download.size), 0),
            func.coalesce(func.sum(Download.downloaded_bytes), 0),
            func.coalesce(func.sum(Download.speed), 0.0),
        ).group_by(Download.status)
    )
    return [
        DownloadRow(
            status=str(s),
            count=int(n),
            size_bytes=int(size or 0),
            downloaded_bytes=int(got or 0),
            speed=float(speed or 0.0),
        )
        for s, n, size, got, speed in rows
    ]


async def provider_counts(session: AsyncSession) -> list[ProviderCounts]:
    rows = await session.execute(
        select(ProviderState.provider, ProviderState.requests_total, ProviderState.errors_total)
    )
    return [ProviderCounts(provider=str(p), requests=int(r or 0), errors=int(e or 0)) for p, r, e in rows]
