"""`/metrics`: who may scrape, and the Prometheus text of one scrape (decision 0033).

The installation's figures (jobs, queue, durations, downloads, providers) are read from the
database at each scrape, so every API process answers the same whatever process ran the work;
the process's own figures (HTTP, pools, WebSocket clients, memory, CPU) come from `ProcessMetrics`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from mvidarr.auth.guard import Principal
from mvidarr.db import Database
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.events.hub import EventHub
from mvidarr.jobs import workers
from mvidarr.kit.networks import in_networks
from mvidarr.metrics import repository
from mvidarr.metrics.process import PoolUse, ProcessMetrics, ProcessSample
from mvidarr.models import WorkerProcess
from mvidarr.models.user import Role
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.models import ProviderStatus
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings

log = logging.getLogger("mvidarr.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BREAKER_STATES = ("closed", "half_open", "open")
PROVIDER_STATES = ("ok", "degraded", "down", "disabled", "unconfigured")


async def check_access(db: Database, caller: Principal | None, address: str | None) -> None:
    """An admin (token or API key) may scrape, and so may any caller from an allowed network."""
    if caller is not None and caller.role.at_least(Role.ADMIN):
        return
    async with db.reader() as session:
        networks = await runtime_settings.get(session, setting_keys.METRICS_ALLOWED_NETWORKS)
    if in_networks(address, networks):
        return
    if caller is None:
        raise Unauthorized(
            "send an admin's bearer token or API key, or scrape from a network listed in metrics.allowed_networks"
        )
    raise Forbidden("metrics need the admin role, or a network listed in metrics.allowed_networks")


def process_sample(db: Database, hub: EventHub | None) -> ProcessSample:
    pool = db.engine.pool
    size = getattr(pool, "size", None)
    checked_out = getattr(pool, "checkedout", None)
    checked_in = getattr(pool, "checkedin", None)
    pools = []
    if callable(size) and callable(checked_out) and callable(checked_in):
        in_use = int(checked_out())
        overflow = getattr(pool, "_max_overflow", 0)
        pools.append(PoolUse("main", int(size()) + max(0, int(overflow)), in_use, in_use + int(checked_in())))
    reads = db.reads
    pools.append(PoolUse("reads", reads.size, None, reads.open_connections))
    return ProcessSample(pools=pools, websocket_clients=hub.subscriber_count if hub is not None else 0)


class _Families(Collector):
    """Families built before rendering (the database figures come from async queries)."""

    def __init__(self, families: list[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        yield from self.families


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(float(value))


async def _database_families(
    db: Database, now: datetime
) -> list[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:

    async def jobs_and_queue() -> tuple[list[tuple[str, str, int]], list[repository.QueueRow]]:
        async with db.reader() as session:
            return await repository.jobs_by_type_status(session), await repository.queue(session, now)

    async def the_rest() -> tuple[
        list[repository.DurationRow],
        list[repository.DownloadRow],
        list[repository.ProviderCounts],
        list[WorkerProcess],
    ]:
        async with db.reader() as session:
            return (
                await repository.durations(session),
                await repository.downloads(session),
                await repository.provider_counts(session),
                await workers.live(session, now),
            )

    # Two connections side by side (SQLite runs each on its own thread): about half the wall time.
    (by_status, queue), (durations, downloads, provider_counts, live_workers) = await asyncio.gather(
        jobs_and_queue(), the_rest()
    )
    jobs = GaugeMetricFamily("mvidarr_jobs", "Jobs in the database by type and status.", labels=("type", "status"))
    for job_type, status, count in by_status:
        jobs.add_metric((job_type, status), count)
    depth = GaugeMetricFamily(
        "mvidarr_queue_depth",
        "Queued jobs by type: `ready` may run now, `delayed` wait for a retry or a later start.",
        labels=("type", "state"),
    )
    age = GaugeMetricFamily(
        "mvidarr_queue_oldest_age_seconds", "How long the oldest ready job of a type has waited.", labels=("type",)
    )
    for row in queue:
        depth.add_metric((row.type, "ready"), row.ready)
        depth.add_metric((row.type, "delayed"), row.delayed)
        age.add_metric((row.type,), max(0.0, (now - row.oldest_ready_at).total_seconds()) if row.oldest_ready_at else 0)
    run = HistogramMetricFamily(
        "mvidarr_job_duration_seconds",
        "Run time of the finished jobs in the history, by type and outcome (pruning lowers it).",
        labels=("type", "status"),
    )
    for d in durations:
        buckets = [(_bound(b), n) for b, n in zip(repository.JOB_BUCKETS, d.buckets, strict=True)]
        run.add_metric((d.type, d.status), [*buckets, ("+Inf", d.count)], d.sum_s)
    counts = GaugeMetricFamily("mvidarr_downloads", "Download attempts by outcome.", labels=("status",))
    completed = CounterMetricFamily(
        "mvidarr_download_completed_bytes", "Bytes of the files that finished downloads brought in."
    )
    active = GaugeMetricFamily("mvidarr_download_active_bytes", "Bytes received so far by downloads running now.")
    speed = GaugeMetricFamily(
        "mvidarr_download_speed_bytes_per_second", "Summed transfer speed of the downloads running now."
    )
    done = got = 0
    rate = 0.0
    for download in downloads:
        counts.add_metric((download.status,), download.count)
        if download.status == "succeeded":
            done += download.size_bytes
        elif download.status == "running":
            got += download.downloaded_bytes
            rate += download.speed
    completed.add_metric((), done)
    active.add_metric((), got)
    speed.add_metric((), rate)
    requests = CounterMetricFamily(
        "mvidarr_provider_requests", "Requests sent to each metadata provider by every process.", labels=("provider",)
    )
    errors = CounterMetricFamily(
        "mvidarr_provider_errors", "Provider calls that ended in an error, by every process.", labels=("provider",)
    )
    for pc in provider_counts:
        requests.add_metric((pc.provider,), pc.requests)
        errors.add_metric((pc.provider,), pc.errors)
    return [jobs, depth, age, run, counts, completed, active, speed, requests, errors, *_worker_families(live_workers)]


def _worker_families(rows: list[WorkerProcess]) -> list[GaugeMetricFamily]:
    """The figures each live `mvidarr worker` last reported (API processes have their own above)."""
    labels = ("worker", "host")
    families = {
        "resident_bytes": GaugeMetricFamily(
            "mvidarr_worker_resident_memory_bytes", "Resident memory of each job worker process.", labels=labels
        ),
        "virtual_bytes": GaugeMetricFamily(
            "mvidarr_worker_virtual_memory_bytes", "Virtual memory of each job worker process.", labels=labels
        ),
        "cpu_seconds": GaugeMetricFamily(
            "mvidarr_worker_cpu_seconds",
            "User and system CPU time each job worker process has used since it started (a counter in meaning).",
            labels=labels,
        ),
        "slots": GaugeMetricFamily("mvidarr_worker_job_slots", "Jobs each worker may run at once.", labels=labels),
        "running_jobs": GaugeMetricFamily(
            "mvidarr_worker_running_jobs", "Jobs each worker was running at its last report.", labels=labels
        ),
        "started_at": GaugeMetricFamily(
            "mvidarr_worker_start_time_seconds", "When each worker process started, in Unix time.", labels=labels
        ),
        "reported_at": GaugeMetricFamily(
            "mvidarr_worker_last_report_time_seconds",
            "When each worker last reported (every heartbeat), in Unix time.",
            labels=labels,
        ),
    }
    for row in rows:
        key = (row.worker_id, row.host)
        families["resident_bytes"].add_metric(key, row.resident_bytes)
        families["virtual_bytes"].add_metric(key, row.virtual_bytes)
        families["cpu_seconds"].add_metric(key, row.cpu_seconds)
        families["slots"].add_metric(key, row.slots)
        families["running_jobs"].add_metric(key, row.running_jobs)
        families["started_at"].add_metric(key, row.started_at.timestamp())
        families["reported_at"].add_metric(key, row.reported_at.timestamp())
    return list(families.values())


def _provider_families(statuses: list[ProviderStatus]) -> list[GaugeMetricFamily]:
    circuit = GaugeMetricFamily(
        "mvidarr_provider_circuit_state",
        "Each provider's circuit breaker: 1 for the state it is in (open pauses calls after failures).",
        labels=("provider", "state"),
    )
    state = GaugeMetricFamily(
        "mvidarr_provider_state", "Each provider's state as the System page shows it.", labels=("provider", "state")
    )
    for status in statuses:
        for name in BREAKER_STATES:
            circuit.add_metric((status.name, name), 1 if status.breaker == name else 0)
        for name in PROVIDER_STATES:
            state.add_metric((status.name, name), 1 if status.state == name else 0)
    return [circuit, state]


async def scrape(
    db: Database,
    process: ProcessMetrics,
    *,
    now: datetime,
    hub: EventHub | None = None,
    providers: ProviderHub | None = None,
) -> bytes:
    """One scrape's text: this process's (or all API processes') figures, then the database's."""
    process.sample(process_sample(db, hub))
    families: list[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily] = []
    up = GaugeMetricFamily("mvidarr_database_up", "1 when this scrape could read the database's figures.")
    try:
        if providers is not None:
            await providers.save_counts()
            families += _provider_families(await providers.statuses())
        families += await _database_families(db, now)
        up.add_metric((), 1)
    except Exception:  # the scrape still answers: with the process figures and database_up 0
        log.warning("metrics: could not read the database figures", exc_info=True)
        families = []
        up.add_metric((), 0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([up, *families]))
    return process.render() + generate_latest(registry)
