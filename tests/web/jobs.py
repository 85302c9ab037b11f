"""A job type for the browser tests, imported by their server via MVIDARR_JOB_MODULES: it reports
progress slowly enough for a person (or a test) to watch it move, and stops when cancelled."""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, JobType, Role, register


class Steps(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: Annotated[int, Field(ge=1, le=1000)] = 40
    step_s: Annotated[float, Field(ge=0, le=5)] = 0.3


async def _steps(ctx: JobContext, params: Steps) -> JobResult:
    for step in range(1, params.steps + 1):
        if ctx.should_abort():
            return None
        await asyncio.sleep(params.step_s)
        await ctx.progress(step / params.steps, f"step {step} of {params.steps}", eta_s=(params.steps - step) * 0.3)
    return None


register(
    JobType(name="test.web_steps", params=Steps, handler=_steps, description="test: slow steps",
            required_role=Role.USER, max_attempts=1),
    replace=True,
)  # fmt: skip
