"""In-process job counters, kept for the Prometheus export (C13) and `GET /jobs/stats`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Upper bounds of the wait and run time histograms, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, float("inf"))


@dataclass(slots=True)
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    n: int = 0

    def observe(self, value: float) -> None:
        self.n += 1
        self.total += value
        for index, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[index] += 1
                break

    def quantile(self, q: float) -> float | None:
        """Upper bound of the bucket holding the q-quantile (coarse, like Prometheus)."""
        if not self.n:
            return None
        rank = q * self.n
        seen = 0
        for bound, count in zip(BUCKETS, self.counts, strict=True):
            seen += count
            if seen >= rank:
                return bound
        return BUCKETS[-1]

    def export(self) -> dict[str, Any]:
        cumulative = 0
        buckets = {}
        for bound, count in zip(BUCKETS, self.counts, strict=True):
            cumulative += count
            buckets["+Inf" if bound == float("inf") else str(bound)] = cumulative
        return {"count": self.n, "sum": round(self.total, 6), "buckets": buckets}


@dataclass(slots=True)
class JobMetrics:
    enqueued: Counter[str] = field(default_factory=Counter)
    started: Counter[str] = field(default_factory=Counter)
    finished: Counter[tuple[str, str]] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    reclaimed: Counter[str] = field(default_factory=Counter)
    wait_s: dict[str, Histogram] = field(default_factory=dict)
    run_s: dict[str, Histogram] = field(default_factory=dict)

    def observe_wait(self, job_type: str, seconds: float) -> None:
        self.started[job_type] += 1
        self.wait_s.setdefault(job_type, Histogram()).observe(max(0.0, seconds))

    def observe_finish(self, job_type: str, status: str, run_seconds: float | None) -> None:
        self.finished[(job_type, status)] += 1
        if status == "failed":
            self.failures[job_type] += 1
        if run_seconds is not None:
            self.run_s.setdefault(job_type, Histogram()).observe(max(0.0, run_seconds))

    def export(self) -> dict[str, Any]:
        return {
            "enqueued_total": dict(self.enqueued),
            "started_total": dict(self.started),
            "finished_total": [{"type": t, "status": s, "count": n} for (t, s), n in sorted(self.finished.items())],
            "retried_total": dict(self.retried),
            "failures_total": dict(self.failures),
            "reclaimed_total": dict(self.reclaimed),
            "wait_seconds": {name: h.export() for name, h in self.wait_s.items()},
            "run_seconds": {name: h.export() for name, h in self.run_s.items()},
        }

    def reset(self) -> None:
        for counter in (self.enqueued, self.started, self.finished, self.retried, self.failures, self.reclaimed):
            counter.clear()
        self.wait_s.clear()
        self.run_s.clear()


METRICS = JobMetrics()
"""This process's counters."""
