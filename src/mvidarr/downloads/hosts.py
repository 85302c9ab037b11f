"""Source hosts that asked us to wait, and the hours downloads may start.

A host that answers 429 or a bot check makes every download from it wait: the first wait is the
host's Retry-After when it gives one, else `downloads.backoff_base_s`, doubling with each refusal
in a row up to `downloads.backoff_max_s`. The wait is kept in the database (`source_host`), so every
worker process and a restart honour it; a download that succeeds from the host resets the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.downloads import repository


async def record_refusal(
    session: AsyncSession,
    host: str,
    kind: str,
    reason: str,
    *,
    retry_after_s: float | None,
    now: datetime,
    base_s: float,
    max_s: float,
) -> datetime:
    """Make downloads from `host` wait; answers until when. Refusals that arrive while the host is
    already waiting (other downloads of the same burst) do not double the wait again."""
    row = await repository.host_for_refusal(session, host, kind, now)
    ongoing = row.wait_until > now
    if not ongoing:
        row.refusals += 1
    if retry_after_s is not None:
        wait = min(max(retry_after_s, 1.0), max_s)
    else:
        wait = min(base_s * 2 ** max(0, row.refusals - 1), max_s)
    until = now + timedelta(seconds=wait)
    row.wait_until = max(row.wait_until, until) if ongoing else until
    row.kind = kind
    row.reason = reason[:2000]
    row.updated_at = now
    await session.flush()
    return row.wait_until


def window_wait_s(now: datetime, start: int | None, end: int | None) -> float | None:
    """Seconds until the download window opens, or None while it is open (or there is none).

    The window runs from `start` o'clock up to `end` o'clock (UTC), over midnight when end < start."""
    if start is None or end is None or start == end:
        return None
    hour = now.hour
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if inside:
        return None
    opens = now.replace(hour=start, minute=0, second=0, microsecond=0)
    if opens <= now:
        opens += timedelta(days=1)
    return (opens - now).total_seconds()
