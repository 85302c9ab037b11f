"""The rate limiter (a token bucket kept as the time of the next free slot) and the circuit breaker.

In one process both live in memory. On PostgreSQL every process reserves its slot with one
atomic UPDATE on `provider_state`, so several API and worker processes together stay under
the provider's limit, and a breaker opened by one process pauses the provider for all.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy import text

from mvidarr.db import Database, utcnow
from mvidarr.providers.models import BreakerState


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failure_threshold: int = 5
    """Consecutive failed calls (after their retries) that open the breaker."""
    open_s: float = 60.0
    max_open_s: float = 600.0
    """Each time a trial call fails the pause doubles, up to this."""


@dataclass(slots=True)
class CircuitBreaker:
    policy: BreakerPolicy
    failures: int = 0
    open_until: float | None = None
    opened_times: int = 0
    trial_running: bool = False
    _last_open_s: float = field(default=0.0)

    def state(self, now: float | None = None) -> BreakerState:
        now = time.time() if now is None else now
        if self.open_until is None:
            return "closed"
        return "open" if now < self.open_until else "half_open"

    def allow(self, now: float | None = None) -> bool:
        """May a call go out now? In half-open state only one trial call at a time."""
        state = self.state(now)
        if state == "closed":
            return True
        if state == "open" or self.trial_running:
            return False
        self.trial_running = True
        return True

    def success(self) -> None:
        self.failures = 0
        self.open_until = None
        self.opened_times = 0
        self.trial_running = False

    def failure(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.failures += 1
        was_trial = self.trial_running
        self.trial_running = False
        if was_trial or self.failures >= self.policy.failure_threshold:
            pause = min(self.policy.max_open_s, self.policy.open_s * (2**self.opened_times))
            self.opened_times += 1
            self.open_until = now + pause

    def adopt(self, open_until: float | None, now: float | None = None) -> None:
        """Take a pause decided by another process (read from `provider_state`)."""
        now = time.time() if now is None else now
        if open_until is not None and open_until > now and (self.open_until is None or self.open_until < open_until):
            self.open_until = open_until


# Calls go out this much slower than the configured rate: requests spaced exactly at the limit
# reach the provider with network jitter, and a provider counting arrivals in a window (as
# MusicBrainz does) would then see one too many now and then.
RATE_MARGIN = 0.97


def spacing_s(rate_per_s: float) -> float:
    """Seconds between two calls to a provider limited to `rate_per_s`, with the safety margin."""
    return 1.0 / (rate_per_s * RATE_MARGIN)


class LocalLimiter:
    """One process's token bucket (no burst): calls are spaced a little over 1/rate seconds apart."""

    def __init__(self) -> None:
        self._next = 0.0

    def reserve(self, rate_per_s: float) -> float:
        """Seconds to wait before this call may go out; the slot is taken at once."""
        now = time.monotonic()
        slot = max(self._next, now)
        self._next = slot + spacing_s(rate_per_s)
        return slot - now

    async def acquire(self, rate_per_s: float) -> None:
        delay = self.reserve(rate_per_s)
        if delay > 0:
            await asyncio.sleep(delay)


_NOW = "CAST(extract(epoch from clock_timestamp()) AS double precision)"
_STEP = "CAST(:interval AS double precision)"
_RESERVE_PG = text(
    f"""
    INSERT INTO provider_state (provider, next_slot_at, consecutive_failures, updated_at)
    VALUES (:provider, {_NOW} + {_STEP}, 0, :now)
    ON CONFLICT (provider) DO UPDATE
    SET next_slot_at = GREATEST(provider_state.next_slot_at, {_NOW}) + {_STEP}
    RETURNING next_slot_at - {_STEP}, {_NOW}, open_until
    """
)


@dataclass(frozen=True, slots=True)
class Slot:
    wait_s: float
    open_until: float | None


async def reserve_shared(db: Database, provider: str, rate_per_s: float) -> Slot:
    """Reserve the next slot in `provider_state` (PostgreSQL), on the database's clock."""
    async with db.engine.begin() as conn:
        row = (
            await conn.execute(_RESERVE_PG, {"provider": provider, "interval": spacing_s(rate_per_s), "now": utcnow()})
        ).one()
    slot, now, open_until = float(row[0]), float(row[1]), row[2]
    # The DB clock and ours may differ; the pause is handed over as "seconds from now".
    return Slot(wait_s=max(0.0, slot - now), open_until=(time.time() + (open_until - now)) if open_until else None)
