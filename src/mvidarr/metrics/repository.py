"""The figures every process shares, read from the database at scrape time: jobs, the queue,
job durations, downloads, provider counters and the job workers' reports.

All of them leave the database as one JSON document built by one read-only statement on the read
path (`mvidarr.reads`, decision 0024): one trip to the database instead of six statements through
sessions, and no ORM rows to build (decision 0060).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal_column, select
from sqlalchemy.sql.selectable import ScalarSelect

from mvidarr.jobs import workers
from mvidarr.kit.sqljson import JsonArray, JsonArrayAgg, JsonEmbed, JsonFloat, JsonTimestamp, obj
from mvidarr.models import Download, Job, ProviderState, WorkerProcess
from mvidarr.models.job import JobStatus
from mvidarr.reads import Reads

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


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """A live `mvidarr worker`'s last report (decision 0057)."""

    worker_id: str
    host: str
    resident_bytes: int
    virtual_bytes: int
    cpu_seconds: float
    slots: int
    running_jobs: int
    started_at: datetime
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class Figures:
    """One scrape's figures from the database."""

    jobs: list[tuple[str, str, int]]
    """(type, status, jobs)"""
    queue: list[QueueRow]
    durations: list[DurationRow]
    downloads: list[DownloadRow]
    providers: list[ProviderCounts]
    workers: list[WorkerRow]


def _jobs() -> ScalarSelect[Any]:
    """Jobs by type and status, each group with its finished jobs' count, summed run time and count
    per duration bucket.

    The groups come from one pass over the (type, status, run_s) index. Each bucket is then counted
    by its own range search in that index (`lo < run_s <= hi` within the group), so every finished
    job is visited once more by a plain comparison: a CASE over the twelve bounds per job, grouped
    by its result, cost twice as much on SQLite (and needed a temporary tree for the grouping)."""
    groups = (
        select(
            Job.type.label("type"),
            Job.status.label("status"),
            func.count().label("jobs"),
            func.count(Job.run_s).label("finished"),
            func.coalesce(func.sum(Job.run_s), 0.0).label("total_s"),
        )
        .group_by(Job.type, Job.status)
        .subquery("by_type_status")
    )
    finished = Job.__table__.alias("finished")
    bounds: list[ColumnElement[Any]] = [literal_column(repr(bound)) for bound in JOB_BUCKETS]
    buckets = []
    for index, upper in enumerate(bounds):
        within = [finished.c.type == groups.c.type, finished.c.status == groups.c.status, finished.c.run_s <= upper]
        if index:
            within.append(finished.c.run_s > bounds[index - 1])
        buckets.append(select(func.count()).select_from(finished).where(*within).scalar_subquery())
    row = JsonArray(
        groups.c.type, groups.c.status, groups.c.jobs, groups.c.finished, JsonFloat(groups.c.total_s), *buckets
    )
    return select(JsonArrayAgg(row, groups.c.type)).scalar_subquery()


def _queue() -> ScalarSelect[Any]:
    """Queued jobs by type: how many may run at `now`, how many in all, the oldest ready one's time."""
    ready = Job.run_after <= bindparam("now", type_=Job.run_after.type)
    by_type = (
        select(
            Job.type.label("type"),
            func.sum(case((ready, 1), else_=0)).label("ready"),
            func.count().label("queued"),
            func.min(case((ready, Job.run_after), else_=None)).label("oldest"),
        )
        .where(Job.status == JobStatus.QUEUED)
        .group_by(Job.type)
        .subquery("queue")
    )
    row = JsonArray(by_type.c.type, by_type.c.ready, by_type.c.queued, JsonTimestamp(by_type.c.oldest))
    return select(JsonArrayAgg(row, by_type.c.type)).scalar_subquery()


def _downloads() -> ScalarSelect[Any]:
    by_status = (
        select(
            Download.status.label("status"),
            func.count().label("attempts"),
            func.coalesce(func.sum(Download.size), 0).label("size"),
            func.coalesce(func.sum(Download.downloaded_bytes), 0).label("received"),
            func.coalesce(func.sum(Download.speed), 0.0).label("speed"),
        )
        .group_by(Download.status)
        .subquery("downloads")
    )
    row = JsonArray(
        by_status.c.status, by_status.c.attempts, by_status.c.size, by_status.c.received, JsonFloat(by_status.c.speed)
    )
    return select(JsonArrayAgg(row, by_status.c.status)).scalar_subquery()


def _providers() -> ScalarSelect[Any]:
    row = JsonArray(ProviderState.provider, ProviderState.requests_total, ProviderState.errors_total)
    return select(JsonArrayAgg(row, ProviderState.provider)).scalar_subquery()


def _workers() -> ScalarSelect[Any]:
    # Every row: the table holds one per worker process, and liveness (`workers.is_live`) is decided here in Python.
    w = WorkerProcess
    row = JsonArray(
        w.worker_id, w.host, w.resident_bytes, w.virtual_bytes, JsonFloat(w.cpu_seconds), w.slots,
        w.running_jobs, JsonTimestamp(w.started_at), JsonTimestamp(w.reported_at), JsonFloat(w.report_every_s),
    )  # fmt: skip
    return select(JsonArrayAgg(row, w.worker_id)).scalar_subquery()


FIGURES: Select[Any] = select(
    obj(
        jobs=JsonEmbed(_jobs()),
        queue=JsonEmbed(_queue()),
        downloads=JsonEmbed(_downloads()),
        providers=JsonEmbed(_providers()),
        workers=JsonEmbed(_workers()),
    )
)
"""The document, with the scrape's time bound as `now`; built once, so the read path compiles it once."""


async def figures(reads: Reads, now: datetime) -> Figures:
    """Every database figure of one scrape, from one statement."""
    document = await reads.scalar(FIGURES, {"now": now})
    found: dict[str, list[list[Any]]] = json.loads(document) if isinstance(document, str | bytes) else document
    return Figures(
        jobs=[(str(t), str(s), int(n)) for t, s, n, *_ in found["jobs"]],
        queue=[
            QueueRow(type=str(t), ready=int(r or 0), delayed=int(n) - int(r or 0), oldest_ready_at=_time(oldest))
            for t, r, n, oldest in found["queue"]
        ],
        durations=_durations(found["jobs"]),
        downloads=[
            DownloadRow(
                status=str(s), count=int(n), size_bytes=int(size), downloaded_bytes=int(got), speed=float(speed)
            )
            for s, n, size, got, speed in found["downloads"]
        ],
        providers=[
            ProviderCounts(provider=str(p), requests=int(r or 0), errors=int(e or 0)) for p, r, e in found["providers"]
        ],
        workers=[
            WorkerRow(
                worker_id=str(wid),
                host=str(host),
                resident_bytes=int(rss),
                virtual_bytes=int(vms),
                cpu_seconds=float(cpu),
                slots=int(slots),
                running_jobs=int(running),
                started_at=_utc(started),
                reported_at=_utc(reported),
            )
            for wid, host, rss, vms, cpu, slots, running, started, reported, every in found["workers"]
            if workers.is_live(_utc(reported), float(every), now)
        ],
    )


def _durations(groups: list[list[Any]]) -> list[DurationRow]:
    """Run time of the finished jobs still in the history (pruned after `jobs.retention_days`),
    the bucket counts made cumulative."""
    result = []
    for job_type, status, _jobs, finished, total_s, *buckets in groups:
        if not finished:
            continue
        result.append(
            DurationRow(
                type=str(job_type),
                status=str(status),
                count=int(finished),
                sum_s=float(total_s),
                buckets=tuple(itertools.accumulate(int(n) for n in buckets)),
            )
        )
    result.sort(key=lambda row: (row.type, row.status))
    return result


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _time(value: str | None) -> datetime | None:
    return None if value is None else _utc(value)
