"""`/metrics`: who may scrape, and the Prometheus text of one scrape (decision 0033).

The installation's figures (jobs, queue, durations, downloads, providers, job workers) are read
from the database at each scrape, so every API process answers the same whatever process ran the
work: one statement builds them as a JSON document and `exposition` writes their text (decision
0060). The process's own figures (HTTP, pools, WebSocket clients, memory, CPU) come from
`ProcessMetrics`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from mvidarr.auth.guard import Principal
from mvidarr.db import Database
from mvidarr.errors import Forbidden, Unauthorized
from mvidarr.events.hub import EventHub
from mvidarr.kit.networks import in_networks
from mvidarr.metrics import repository
from mvidarr.metrics.exposition import Exposition, Family
from mvidarr.metrics.process import PoolUse, ProcessMetrics, ProcessSample
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


def process_sample(db: Database, events: EventHub | None) -> ProcessSample:
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
    return ProcessSample(pools=pools, websocket_clients=events.subscriber_count if events is not None else 0)


UP = Family("mvidarr_database_up", "gauge", "1 when this scrape could read the database's figures.")
CIRCUIT = Family(
    "mvidarr_provider_circuit_state",
    "gauge",
    "Each provider's circuit breaker: 1 for the state it is in (open pauses calls after failures).",
    ("provider", "state"),
)
PROVIDER_STATE = Family(
    "mvidarr_provider_state", "gauge", "Each provider's state as the System page shows it.", ("provider", "state")
)
JOBS = Family("mvidarr_jobs", "gauge", "Jobs in the database by type and status.", ("type", "status"))
QUEUE_DEPTH = Family(
    "mvidarr_queue_depth",
    "gauge",
    "Queued jobs by type: `ready` may run now, `delayed` wait for a retry or a later start.",
    ("type", "state"),
)
QUEUE_AGE = Family(
    "mvidarr_queue_oldest_age_seconds", "gauge", "How long the oldest ready job of a type has waited.", ("type",)
)
JOB_DURATION = Family(
    "mvidarr_job_duration_seconds",
    "histogram",
    "Run time of the finished jobs in the history, by type and outcome (pruning lowers it).",
    ("type", "status"),
)
DOWNLOADS = Family("mvidarr_downloads", "gauge", "Download attempts by outcome.", ("status",))
DOWNLOAD_COMPLETED = Family(
    "mvidarr_download_completed_bytes", "counter", "Bytes of the files that finished downloads brought in."
)
DOWNLOAD_ACTIVE = Family("mvidarr_download_active_bytes", "gauge", "Bytes received so far by downloads running now.")
DOWNLOAD_SPEED = Family(
    "mvidarr_download_speed_bytes_per_second", "gauge", "Summed transfer speed of the downloads running now."
)
PROVIDER_REQUESTS = Family(
    "mvidarr_provider_requests", "counter", "Requests sent to each metadata provider by every process.", ("provider",)
)
PROVIDER_ERRORS = Family(
    "mvidarr_provider_errors", "counter", "Provider calls that ended in an error, by every process.", ("provider",)
)
_WORKER = ("worker", "host")
WORKER_MEMORY = Family(
    "mvidarr_worker_resident_memory_bytes", "gauge", "Resident memory of each job worker process.", _WORKER
)
WORKER_VIRTUAL_MEMORY = Family(
    "mvidarr_worker_virtual_memory_bytes", "gauge", "Virtual memory of each job worker process.", _WORKER
)
WORKER_CPU = Family(
    "mvidarr_worker_cpu_seconds",
    "gauge",
    "User and system CPU time each job worker process has used since it started (a counter in meaning).",
    _WORKER,
)
WORKER_SLOTS = Family("mvidarr_worker_job_slots", "gauge", "Jobs each worker may run at once.", _WORKER)
WORKER_RUNNING = Family(
    "mvidarr_worker_running_jobs", "gauge", "Jobs each worker was running at its last report.", _WORKER
)
WORKER_STARTED = Family(
    "mvidarr_worker_start_time_seconds", "gauge", "When each worker process started, in Unix time.", _WORKER
)
WORKER_REPORTED = Family(
    "mvidarr_worker_last_report_time_seconds",
    "gauge",
    "When each worker last reported (every heartbeat), in Unix time.",
    _WORKER,
)


def _write_providers(out: Exposition, statuses: list[ProviderStatus]) -> None:
    out.header(CIRCUIT)
    for status in statuses:
        for name in BREAKER_STATES:
            out.sample(CIRCUIT, (status.name, name), 1 if status.breaker == name else 0)
    out.header(PROVIDER_STATE)
    for status in statuses:
        for name in PROVIDER_STATES:
            out.sample(PROVIDER_STATE, (status.name, name), 1 if status.state == name else 0)


def _write_database(out: Exposition, found: repository.Figures, now: datetime) -> None:
    out.header(JOBS)
    for job_type, status, count in found.jobs:
        out.sample(JOBS, (job_type, status), count)
    out.header(QUEUE_DEPTH)
    for row in found.queue:
        out.sample(QUEUE_DEPTH, (row.type, "ready"), row.ready)
        out.sample(QUEUE_DEPTH, (row.type, "delayed"), row.delayed)
    out.header(QUEUE_AGE)
    for row in found.queue:
        age = max(0.0, (now - row.oldest_ready_at).total_seconds()) if row.oldest_ready_at else 0
        out.sample(QUEUE_AGE, (row.type,), age)
    out.header(JOB_DURATION)
    for d in found.durations:
        out.histogram(
            JOB_DURATION, (d.type, d.status), zip(repository.JOB_BUCKETS, d.buckets, strict=True), d.count, d.sum_s
        )
    out.header(DOWNLOADS)
    done = got = 0
    rate = 0.0
    for download in found.downloads:
        out.sample(DOWNLOADS, (download.status,), download.count)
        if download.status == "succeeded":
            done += download.size_bytes
        elif download.status == "running":
            got += download.downloaded_bytes
            rate += download.speed
    for family, total in ((DOWNLOAD_COMPLETED, done), (DOWNLOAD_ACTIVE, got), (DOWNLOAD_SPEED, rate)):
        out.header(family)
        out.sample(family, (), total)
    out.header(PROVIDER_REQUESTS)
    for pc in found.providers:
        out.sample(PROVIDER_REQUESTS, (pc.provider,), pc.requests)
    out.header(PROVIDER_ERRORS)
    for pc in found.providers:
        out.sample(PROVIDER_ERRORS, (pc.provider,), pc.errors)
    _write_workers(out, found.workers)


def _write_workers(out: Exposition, rows: list[repository.WorkerRow]) -> None:
    """The figures each live `mvidarr worker` last reported (API processes have their own above)."""
    columns: tuple[tuple[Family, Callable[[repository.WorkerRow], float]], ...] = (
        (WORKER_MEMORY, lambda row: row.resident_bytes),
        (WORKER_VIRTUAL_MEMORY, lambda row: row.virtual_bytes),
        (WORKER_CPU, lambda row: row.cpu_seconds),
        (WORKER_SLOTS, lambda row: row.slots),
        (WORKER_RUNNING, lambda row: row.running_jobs),
        (WORKER_STARTED, lambda row: row.started_at.timestamp()),
        (WORKER_REPORTED, lambda row: row.reported_at.timestamp()),
    )
    for family, figure in columns:
        out.header(family)
        for row in rows:
            out.sample(family, (row.worker_id, row.host), figure(row))


async def scrape(
    db: Database,
    process: ProcessMetrics,
    *,
    now: datetime,
    events: EventHub | None = None,
    providers: ProviderHub | None = None,
) -> bytes:
    """One scrape's text: this process's (or all API processes') figures, then the database's."""
    process.sample(process_sample(db, events))

    async def breakers_and_own_text() -> tuple[list[ProviderStatus] | None, bytes]:
        statuses = await providers.statuses() if providers is not None else None
        return statuses, process.render()

    database = Exposition()
    try:
        if providers is not None:
            await providers.save_counts()  # before the statement reads the counters
        # The statement runs on its connection's thread while this one reads the breakers (a
        # session) and writes the process's own text.
        found, (statuses, own) = await asyncio.gather(repository.figures(db.reads, now), breakers_and_own_text())
        if statuses is not None:
            _write_providers(database, statuses)
        _write_database(database, found, now)
        up = 1
    except Exception:  # the scrape still answers: with the process figures and database_up 0
        log.warning("metrics: could not read the database figures", exc_info=True)
        database = Exposition()
        own = process.render()
        up = 0
    out = Exposition()
    out.header(UP)
    out.sample(UP, (), up)
    return own + out.text() + database.text()
