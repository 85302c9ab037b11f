from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Double, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, JSONType, utcnow


class ProviderCacheEntry(Base):
    """One cached provider answer: the validated JSON (or a remembered 404) until `expires_at`."""

    __tablename__ = "provider_cache"
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    request: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int]
    response: Mapped[Any | None] = mapped_column(JSONType)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ProviderState(Base):
    """Shared by every process: the rate limiter's next free slot and the circuit breaker."""

    __tablename__ = "provider_state"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_slot_at: Mapped[float] = mapped_column(Double, default=0.0)
    """Epoch seconds of the next request slot (GCRA token bucket)."""
    open_until: Mapped[float | None] = mapped_column(Double)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_error_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    requests_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Requests sent by every process, saved with the breaker (successes at most once a minute)."""
    errors_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Calls that ended in an error, by every process."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
