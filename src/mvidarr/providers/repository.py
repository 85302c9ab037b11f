"""Queries on `provider_cache` and `provider_state`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import utcnow
from mvidarr.models import ProviderCacheEntry, ProviderState


async def cached(session: AsyncSession, provider: str, key: str) -> ProviderCacheEntry | None:
    return await session.get(ProviderCacheEntry, (provider, key))


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def store(
    session: AsyncSession,
    *,
    provider: str,
    key: str,
    request: str,
    status: int,
    response: Any,
    fetched_at: datetime,
    expires_at: datetime,
) -> None:
    values = {
        "provider": provider,
        "request_key": key,
        "request": request[:2000],
        "status": status,
        "response": response,
        "fetched_at": fetched_at,
        "expires_at": expires_at,
    }
    insert = _insert(session)(ProviderCacheEntry).values(**values)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["provider", "request_key"],
            set_={k: insert.excluded[k] for k in ("request", "status", "response", "fetched_at", "expires_at")},
        )
    )


async def prune_cache(session: AsyncSession, expired_before: datetime) -> int:
    """Drop answers that expired before `expired_before` (kept until then for stale-if-error)."""
    result = await session.execute(delete(ProviderCacheEntry).where(ProviderCacheEntry.expires_at < expired_before))
    return int(getattr(result, "rowcount", 0) or 0)


async def states(session: AsyncSession) -> dict[str, ProviderState]:
    return {row.provider: row for row in (await session.execute(select(ProviderState))).scalars()}


async def record_outcome(
    session: AsyncSession,
    provider: str,
    *,
    failures: int,
    open_until: float | None,
    error: str | None,
    requests: int = 0,
    errors: int = 0,
) -> None:
    """Save the breaker after a call: the error and pause on failure, the reset on success; and add
    the requests and errors this process counted since it last saved."""
    now = utcnow()
    values: dict[str, Any] = {
        "provider": provider,
        "next_slot_at": 0.0,
        "consecutive_failures": failures,
        "open_until": open_until,
        "updated_at": now,
        "requests_total": requests,
        "errors_total": errors,
    }
    update: dict[str, Any] = {
        "consecutive_failures": failures,
        "open_until": open_until,
        "updated_at": now,
        "requests_total": ProviderState.requests_total + requests,
        "errors_total": ProviderState.errors_total + errors,
    }
    if error is not None:
        values |= {"last_error": error[:1000], "last_error_at": now}
        update |= {"last_error": error[:1000], "last_error_at": now}
    else:
        values["last_success_at"] = now
        update["last_success_at"] = now
    insert = _insert(session)(ProviderState).values(**values)
    await session.execute(insert.on_conflict_do_update(index_elements=["provider"], set_=update))


async def add_counts(session: AsyncSession, provider: str, *, requests: int, errors: int) -> None:
    """Add a process's unsaved request and error counts to the shared row."""
    insert = _insert(session)(ProviderState).values(
        provider=provider, next_slot_at=0.0, consecutive_failures=0, updated_at=utcnow(),
        requests_total=requests, errors_total=errors,
    )  # fmt: skip
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["provider"],
            set_={
                "requests_total": ProviderState.requests_total + requests,
                "errors_total": ProviderState.errors_total + errors,
            },
        )
    )
