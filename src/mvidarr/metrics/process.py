"""This process's own figures: HTTP latency by route template and status, database pools,
WebSocket clients, memory and CPU (decision 0033).

One `ProcessMetrics` per app, on its own registry (tests build many apps in one process). With
several API processes (`mvidarr serve --workers N`) prometheus_client's multiprocess mode keeps each
process's values in memory-mapped files under `PROMETHEUS_MULTIPROC_DIR`, and any process's scrape
adds them up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest, multiprocess
from starlette.types import Scope

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Upper bounds of the request latency buckets, in seconds: the hot GETs answer in about 1 ms,
# pages in tens, a slow search in hundreds.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
UNMATCHED = "<unmatched>"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def multiprocess_dir() -> str | None:
    """The shared folder of multiprocess mode, when this process runs in it."""
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and os.path.isdir(path) else None


@dataclass(frozen=True, slots=True)
class PoolUse:
    """One connection pool's figures at a moment."""

    name: str
    size: int
    in_use: int | None
    """None where the pool does not tell."""
    open: int


@dataclass(frozen=True, slots=True)
class ProcessSample:
    """What the process's gauges are set from; taken at each scrape (and every few seconds in
    multiprocess mode, so other processes' scrapes see fresh values)."""

    pools: Iterable[PoolUse]
    websocket_clients: int


def read_proc_self() -> tuple[float, float, float] | None:
    """(resident bytes, virtual bytes, CPU seconds) from /proc, or None off Linux."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3; utime 14, stime 15, vsize 23, rss 24 (1-based).
    cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return float(int(fields[21]) * _PAGE_SIZE), float(fields[20]), cpu


class ProcessMetrics:
    """The per-process metrics and the cheap hook the request middleware calls."""

    def __init__(self, *, multiprocess_path: str | None = None) -> None:
        self.multiprocess_path = multiprocess_path
        self.registry = CollectorRegistry(auto_describe=False)
        # In multiprocess mode values live in the shared files: the metrics are not registered
        # anywhere, and scrapes read the files through a MultiProcessCollector.
        own = None if multiprocess_path else self.registry
        if multiprocess_path:
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_path)  # type: ignore[no-untyped-call]
        self.http = Histogram(
            "mvidarr_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template and status.",
            ("method", "route", "status"),
            buckets=HTTP_BUCKETS,
            registry=own,
        )
        self.pool_size = Gauge(
            "mvidarr_db_pool_size",
            "Connections a database pool may hold (API processes).",
            ("pool",),
            registry=own,
            multiprocess_mode="livesum",
        )
        self.pool_in_use = Gauge(
            "mvidarr_db_pool_in_use",
            "Connections of a database pool handed out right now (API processes).",
            ("pool",),
            registry=own,
            multiprocess_mode="livesum",
        )
        self.pool_open = Gauge(
            "mvidarr_db_pool_open",
            "Connections of a database pool open right now (API processes).",
            ("pool",),
            registry=own,
            multiprocess_mode="livesum",
        )
        self.websocket_clients = Gauge(
            "mvidarr_websocket_clients",
            "Live-event subscriptions (browser tabs and programs on /api/v1/ws) across API processes.",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.memory = Gauge(
            "mvidarr_process_resident_memory_bytes",
            "Resident memory of each API process.",
            registry=own,
            multiprocess_mode="liveall",
        )
        self.virtual_memory = Gauge(
            "mvidarr_process_virtual_memory_bytes",
            "Virtual memory of each API process.",
            registry=own,
            multiprocess_mode="liveall",
        )
        self.cpu = Gauge(
            "mvidarr_process_cpu_seconds",
            "User and system CPU time each API process has used since it started (a counter in meaning).",
            registry=own,
            multiprocess_mode="liveall",
        )
        self.started = Gauge(
            "mvidarr_process_start_time_seconds",
            "When each API process started, in Unix time.",
            registry=own,
            multiprocess_mode="liveall",
        )
        self.started.set(time.time())
        self._children: dict[tuple[str, str, int], Callable[[float], None]] = {}

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """Record one finished HTTP request. Called by the request middleware for every request:
        one dict look-up and one histogram observation on the hot path."""
        route = scope.get("route")
        template = getattr(route, "path", None) or UNMATCHED
        key = (scope["method"], template, status)
        observe = self._children.get(key)
        if observe is None:
            # Unknown paths (404s for any URL) share one label value, so no caller can grow the series.
            observe = self._children[key] = self.http.labels(scope["method"], template, str(status)).observe
        observe(seconds)

    def sample(self, sample: ProcessSample) -> None:
        """Set the gauges of this process from `sample` and /proc."""
        for pool in sample.pools:
            self.pool_size.labels(pool.name).set(pool.size)
            if pool.in_use is not None:
                self.pool_in_use.labels(pool.name).set(pool.in_use)
            self.pool_open.labels(pool.name).set(pool.open)
        self.websocket_clients.set(sample.websocket_clients)
        proc = read_proc_self()
        if proc is not None:
            rss, vms, cpu = proc
            self.memory.set(rss)
            self.virtual_memory.set(vms)
            self.cpu.set(cpu)

    def render(self) -> bytes:
        """The Prometheus text of this process (or, in multiprocess mode, of all API processes)."""
        return generate_latest(self.registry)

    def close(self) -> None:
        """Drop this process's live gauges from the shared files (it no longer serves)."""
        if self.multiprocess_path:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_path)  # type: ignore[no-untyped-call]
