"""Time and chance for the job system, injectable so tests control retries and schedules."""

from __future__ import annotations

import random
from datetime import datetime

from mvidarr.db import utcnow


class Clock:
    """Wall-clock UTC time and a jitter source."""

    def now(self) -> datetime:
        return utcnow()

    def random(self) -> float:
        return random.random()


def backoff_s(attempt: int, *, base_s: float, max_s: float, clock: Clock) -> float:
    """Exponential backoff with full jitter over the upper half: base * 2^(attempt-1), capped."""
    ceiling = min(max_s, base_s * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + clock.random() * ceiling / 2
