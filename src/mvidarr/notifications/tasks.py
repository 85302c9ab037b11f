"""`notifications.health_watch`: runs the health checks and raises `health.raised` / `health.cleared`
(and `ytdlp.update_available` for an old yt-dlp) when the set of warnings changes."""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.models import HealthIssue
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.system import warnings

HEALTH_WATCH = "notifications.health_watch"


class HealthWatchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def issue_key(source: str, message: str) -> str:
    """One issue however its figures move (free space shrinking is the same issue, not a new one)."""
    shape = re.sub(r"\d+(\.\d+)?", "#", message)
    return f"{source}:{hashlib.sha256(shape.encode()).hexdigest()[:32]}"


@job_type(
    HEALTH_WATCH,
    HealthWatchParams,
    description="Runs the health checks and raises an event for each warning that appeared or cleared since "
    "the last run (notifications subscribe to them).",
    priority=-2,
    max_attempts=1,
    dedupe=True,
    timeout_s=120.0,
    required_role=Role.ADMIN,
)
async def health_watch(ctx: JobContext, _params: HealthWatchParams) -> JobResult:
    context = warnings.Context(db=ctx.db, settings=ctx.settings, providers=None, now=ctx.now())
    found = {issue_key(w.source, w.message): w for w in await warnings.warnings(context)}
    raised = cleared = 0
    async with ctx.session() as session:
        known = {row.key: row for row in (await session.execute(select(HealthIssue))).scalars()}
        for key, warning in found.items():
            if key in known:
                known[key].message = warning.message
                continue
            session.add(
                HealthIssue(
                    key=key, source=warning.source, level=warning.level, message=warning.message, raised_at=ctx.now()
                )
            )
            kind = catalogue.YTDLP_UPDATE if warning.source == "yt_dlp" else catalogue.HEALTH_RAISED
            data = {"source": warning.source, "level": warning.level, "message": warning.message}
            await raise_event(session, kind, {**data, "fix_url": warning.fix_url})
            raised += 1
        gone = [row for key, row in known.items() if key not in found]
        for row in gone:
            await raise_event(session, catalogue.HEALTH_CLEARED, {"source": row.source, "level": row.level,
                                                                   "message": row.message})  # fmt: skip
            cleared += 1
        if gone:
            await session.execute(delete(HealthIssue).where(HealthIssue.key.in_([row.key for row in gone])))
        await session.commit()
    return {"warnings": len(found), "raised": raised, "cleared": cleared}


register_default(DefaultSchedule(name="Watch health warnings", job_type=HEALTH_WATCH, interval_s=300))
