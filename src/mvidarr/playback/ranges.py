"""HTTP byte ranges (RFC 9110 §14): one range is served as 206; anything else is handled the
way the RFC allows: malformed or multi-range headers are ignored (200 with the whole file),
ranges that start past the end are 416."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SINGLE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    """The range asks for bytes the file does not have (answer 416 with `bytes */size`)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range to serve, or None to serve the whole file."""
    if not header:
        return None
    match = _SINGLE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # malformed, another unit, or several ranges: ignored
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiable
    end = int(last) if last else size - 1
    if end < start:
        return None  # invalid: ignored
    return ByteRange(start, min(end, size - 1))
