"""Sliding-window counters of failed logins, per username and per client address (in memory)."""

from __future__ import annotations

import math
import time
from collections import deque

_MAX_KEYS = 50_000


class FailureWindow:
    """Counts failures per key over the last `window_s` seconds; at `limit` the key must wait."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, now: float | None = None) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        now = time.monotonic() if now is None else now
        times = self._recent(key, now)
        if times is None or len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[-self.limit] + self.window_s - now))

    def count(self, key: str, now: float | None = None) -> int:
        """Failures of `key` within the window (at most 4 x limit are remembered)."""
        times = self._recent(key, time.monotonic() if now is None else now)
        return 0 if times is None else len(times)

    def fail(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= _MAX_KEYS:
                # Drop the oldest keys (dicts keep insertion order) rather than grow without bound.
                for stale in list(self._failures)[: _MAX_KEYS // 10]:
                    del self._failures[stale]
            times = self._failures[key] = deque(maxlen=self.limit * 4)
        times.append(now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)
