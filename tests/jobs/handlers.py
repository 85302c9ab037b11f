"""Job types used by the tests; workers started by tests import this via MVIDARR_JOB_MODULES."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from mvidarr.jobs.context import JobContext, RetryableJobError
from mvidarr.jobs.registry import JobResult, JobType, Role, register

EXECUTION_TABLE = "test_job_execution"
SEEN: list[tuple[str, int]] = []
"""(event, job id) in the order handlers of this process saw them."""
CONCURRENT: dict[str, int] = {"now": 0, "max": 0}


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sleep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: Annotated[float, Field(ge=0, le=60)] = 0.0
    label: str = ""


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int = 0
    sleep_s: float = 0.0


class Flaky(BaseModel):
    model_config = ConfigDict(extra="forbid")
    failures: int = 1


class Spawn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    children: int = 3
    child_sleep_s: float = 0.0
    bulk: bool = False


class Burn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rounds: int = 200_000


async def _sleep(ctx: JobContext, params: Sleep) -> JobResult:
    SEEN.append(("start", ctx.job_id))
    CONCURRENT["now"] += 1
    CONCURRENT["max"] = max(CONCURRENT["max"], CONCURRENT["now"])
    try:
        await asyncio.sleep(params.seconds)
    finally:
        CONCURRENT["now"] -= 1
    return {"label": params.label}


async def _progress(ctx: JobContext, params: Sleep) -> JobResult:
    for step in range(1, 6):
        await ctx.progress(step / 5, f"step {step}", eta_s=(5 - step) * 0.01, speed=100.0)
        await ctx.log("info", f"did step {step}")
        await asyncio.sleep(params.seconds / 5)
    return {"steps": 5}


async def _record(ctx: JobContext, params: Record) -> JobResult:
    if params.sleep_s:
        await asyncio.sleep(params.sleep_s)
    async with ctx.session() as session:
        await session.execute(
            text(f"INSERT INTO {EXECUTION_TABLE} (job_id, attempt, pid) VALUES (:job, :attempt, :pid)"),
            {"job": ctx.job_id, "attempt": ctx.attempt, "pid": os.getpid()},
        )
        await session.commit()
    return {"pid": os.getpid()}


async def _flaky(ctx: JobContext, params: Flaky) -> JobResult:
    if ctx.attempt <= params.failures:
        raise RetryableJobError(f"upstream answered 503 (attempt {ctx.attempt})")
    return {"attempt": ctx.attempt}


async def _fail(ctx: JobContext, params: Empty) -> JobResult:
    raise ValueError("the file is not a video\nsecond line")


async def _fail_late(ctx: JobContext, params: Empty) -> JobResult:
    await ctx.progress(0.96, "moving into the library")
    raise PermissionError(13, "Permission denied", "/library/A/b.mp4")


async def _until_abort(ctx: JobContext, params: Empty) -> JobResult:
    while True:
        ctx.check_abort()
        await asyncio.sleep(0.01)


async def _stubborn(ctx: JobContext, params: Sleep) -> JobResult:
    await asyncio.sleep(params.seconds)  # ignores should_abort on purpose
    return None


async def _spawn(ctx: JobContext, params: Spawn) -> JobResult:
    if params.bulk:
        children = [{"seconds": params.child_sleep_s, "label": f"child {n}"} for n in range(params.children)]
        await ctx.spawn_many("test.sleep", children)
        return {"spawned": params.children}
    for index in range(params.children):
        await ctx.spawn("test.sleep", {"seconds": params.child_sleep_s, "label": f"child {index}"})
    return {"spawned": params.children}


def burn(rounds: int) -> str:
    digest = b""
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


async def _burn(ctx: JobContext, params: Burn) -> JobResult:
    started = time.perf_counter()
    digest = await ctx.to_process(burn, params.rounds)
    return {"digest": digest, "seconds": time.perf_counter() - started}


def _register(name: str, params: type[BaseModel], handler: Any, **options: Any) -> None:
    register(JobType(name=name, params=params, handler=handler, description=f"test: {name}", **options), replace=True)


_register("test.sleep", Sleep, _sleep, max_attempts=1, required_role=Role.USER)
_register("test.progress", Sleep, _progress)
_register("test.record", Record, _record, max_attempts=5)
_register("test.flaky", Flaky, _flaky, max_attempts=3, retry_base_s=10.0, retry_max_s=100.0)
_register("test.fail", Empty, _fail, max_attempts=3)
_register("test.fail_late", Empty, _fail_late, max_attempts=1)
_register("test.until_abort", Empty, _until_abort)
_register("test.stubborn", Sleep, _stubborn)
_register("test.timeout", Sleep, _stubborn, timeout_s=0.2, max_attempts=1)
_register("test.spawn", Spawn, _spawn)
_register("test.limited", Sleep, _sleep, concurrency=1)
_register("test.dedupe", Sleep, _sleep, dedupe=True)
_register("test.burn", Burn, _burn, timeout_s=120)
