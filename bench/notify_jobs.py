"""A job type for the notification benchmark, loaded by its server through MVIDARR_JOB_MODULES:
it raises catalogue events one transaction each, as fast as it can (a burst), resuming after a
crash from the events already committed, so a run ends with exactly `count` events."""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, JobType, Role, register
from mvidarr.models import OutboxEvent
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event


class Burst(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: Annotated[int, Field(ge=1, le=100_000)] = 500
    pause_s: Annotated[float, Field(ge=0, le=1)] = 0.0


async def _burst(ctx: JobContext, params: Burst) -> JobResult:
    async with ctx.reader() as session:
        done = int(await session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)
    for n in range(done, params.count):
        async with ctx.session() as session:
            await raise_event(session, catalogue.VIDEO_DOWNLOADED, {"video_id": n, "title": f"Bench {n}"})
            await session.commit()
        if params.pause_s:
            await asyncio.sleep(params.pause_s)
    return {"raised": params.count - done}


register(
    JobType(
        name="bench.burst",
        params=Burst,
        handler=_burst,
        description="Raises a burst of video.downloaded events (the notification benchmark).",
        required_role=Role.ADMIN,
        max_attempts=5,
    )
)
