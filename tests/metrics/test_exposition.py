"""metrics/exposition.py writes the database's families itself: its text must be prometheus_client's,
byte for byte, for the same families (names, help, label values that need escaping, values)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from mvidarr.metrics.exposition import Exposition, Family

GAUGE = Family("mvidarr_test_gauge", "gauge", 'Help with a \\ backslash,\na newline and "quotes".', ("type", "host"))
BARE = Family("mvidarr_test_bare", "gauge", "No labels.")
COUNTER = Family("mvidarr_test_bytes", "counter", "A counter.", ("provider",))
HISTOGRAM = Family("mvidarr_test_seconds", "histogram", "A histogram.", ("type", "status"))
AWKWARD = ('quote " here', "back\\slash", "new\nline", "ünïcode ✓", "")
VALUES = (0, 1, 3, 0.1, 1 / 3, 7532.393254363515, 1.5e9, 123456789012, float("inf"), -2.5)
BOUNDS = (0.01, 0.05, 1.0, 3600.0)


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _library_text(families: list[Metric]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry)


def test_the_text_is_prometheus_clients() -> None:
    ours = Exposition()
    gauge = GaugeMetricFamily(GAUGE.name, GAUGE.help, labels=GAUGE.labels)
    ours.header(GAUGE)
    for index, value in enumerate(VALUES):
        labels = (AWKWARD[index % len(AWKWARD)], f"host-{index}")
        gauge.add_metric(labels, value)
        ours.sample(GAUGE, labels, value)
    bare = GaugeMetricFamily(BARE.name, BARE.help)
    bare.add_metric((), 42)
    ours.header(BARE)
    ours.sample(BARE, (), 42)
    counter = CounterMetricFamily(COUNTER.name, COUNTER.help, labels=COUNTER.labels)
    ours.header(COUNTER)
    for provider, value in (("imvdb", 10), ("musicbrainz", 0)):
        counter.add_metric((provider,), value)
        ours.sample(COUNTER, (provider,), value)
    histogram = HistogramMetricFamily(HISTOGRAM.name, HISTOGRAM.help, labels=HISTOGRAM.labels)
    ours.header(HISTOGRAM)
    for labels, counts, total in (
        (("video.enrich", "succeeded"), (1, 1, 2, 3), 9.03),
        (('a"b', "failed"), (0, 0, 0, 0), 0.0),
    ):
        count = counts[-1] + 1
        buckets = [(repr(b), n) for b, n in zip(BOUNDS, counts, strict=True)]
        histogram.add_metric(labels, [*buckets, ("+Inf", count)], total)
        ours.histogram(HISTOGRAM, labels, zip(BOUNDS, counts, strict=True), count, total)
    empty = GaugeMetricFamily("mvidarr_test_empty", "Declared, no samples.", labels=("worker",))
    ours.header(Family("mvidarr_test_empty", "gauge", "Declared, no samples.", ("worker",)))
    assert ours.text() == _library_text([gauge, bare, counter, histogram, empty])


def test_names_are_checked_when_a_family_is_declared() -> None:
    with pytest.raises(ValueError, match="not a Prometheus name"):
        Family("mvidarr-jobs", "gauge", "A dash.")
    with pytest.raises(ValueError, match="not a Prometheus name"):
        Family("mvidarr_jobs", "gauge", "A label with a dot.", ("job.type",))
    with pytest.raises(ValueError, match="histogram's own label"):
        Family("mvidarr_jobs", "histogram", "le is taken.", ("le",))
    with pytest.raises(ValueError, match="takes labels"):
        Exposition().sample(GAUGE, ("only one",), 1)
