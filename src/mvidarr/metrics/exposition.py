"""The Prometheus text format (0.0.4) of the database's figures, written straight from their rows.

prometheus_client's writer checks and escapes every metric and label name again on every sample
line: for the ~430 lines a 10,000-job history makes (job durations by type and outcome) that was
1.7 ms of a scrape's CPU, more than the database took. Here the names are checked once, when a
`Family` is declared, and only label values (job types, worker hosts) are escaped per line. The
text is the library's, byte for byte: tests/metrics/test_exposition.py renders the same families
through `prometheus_client.generate_latest` and compares. The process's own figures (HTTP
histograms, multiprocess mode) still go through prometheus_client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from prometheus_client.utils import floatToGoString

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
Kind = Literal["gauge", "counter", "histogram"]


def _number(value: float) -> str:
    """The value as prometheus_client writes it (`3.0`, `+Inf`, Go's exponents)."""
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _label_text(pairs: Iterable[tuple[str, str]]) -> str:
    """`{a="1",b="2"}`, sorted by label name as prometheus_client writes them; empty without labels."""
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in sorted(pairs))
    return f"{{{inner}}}" if inner else ""


@dataclass(frozen=True, slots=True)
class Family:
    """A metric's name, type, help and label names; the writer adds its samples."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _METRIC_NAME.match(self.name) or not all(_LABEL_NAME.match(label) for label in self.labels):
            raise ValueError(f"not a Prometheus name: {self.name} {self.labels}")
        if "le" in self.labels:
            raise ValueError("`le` is the histogram's own label")

    @property
    def exposed_name(self) -> str:
        """Counters are exposed with `_total`, as prometheus_client does."""
        return f"{self.name}_total" if self.kind == "counter" else self.name


class Exposition:
    """Families and their samples, in the order they are added, as one text."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def header(self, family: Family) -> None:
        """Start `family`: its HELP and TYPE lines. Its samples follow."""
        name = family.exposed_name
        text = family.help.replace("\\", r"\\").replace("\n", r"\n")
        self._parts.append(f"# HELP {name} {text}\n# TYPE {name} {family.kind}\n")

    def _labels(self, family: Family, values: Sequence[str]) -> str:
        if len(values) != len(family.labels):
            raise ValueError(f"{family.name} takes labels {family.labels}, got {values}")
        return _label_text(zip(family.labels, values, strict=True))

    def sample(self, family: Family, values: Sequence[str], value: float) -> None:
        """One sample of a gauge or counter family."""
        self._parts.append(f"{family.exposed_name}{self._labels(family, values)} {_number(value)}\n")

    def histogram(
        self, family: Family, values: Sequence[str], buckets: Iterable[tuple[float, int]], count: int, total: float
    ) -> None:
        """One labelled histogram: cumulative counts at each upper bound (+Inf is added), count and sum."""
        labels = self._labels(family, values)
        pairs = list(zip(family.labels, values, strict=True))
        lines = []
        for bound, n in [*buckets, (float("inf"), count)]:
            le = "+Inf" if bound == float("inf") else repr(float(bound))
            lines.append(f"{family.name}_bucket{_label_text([*pairs, ('le', le)])} {_number(n)}\n")
        lines.append(f"{family.name}_count{labels} {_number(count)}\n")
        lines.append(f"{family.name}_sum{labels} {_number(total)}\n")
        self._parts.append("".join(lines))

    def text(self) -> bytes:
        return "".join(self._parts).encode()
