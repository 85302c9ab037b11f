"""Job types `ytdlp.check` (daily) and `ytdlp.update` (admins): see `downloads.updates`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.downloads import settings as keys
from mvidarr.downloads import updates
from mvidarr.jobs.context import JobContext, RetryableJobError
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.network.policy import FetchFailed
from mvidarr.network.settings import policy_from_settings
from mvidarr.settings import service as runtime_settings

CHECK = "ytdlp.check"
UPDATE = "ytdlp.update"


class CheckParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UpdateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^\d+(\.\d+)*$",
        description="The yt-dlp version to install; the newest on PyPI when unset.",
    )


def python_of(ctx: JobContext) -> str:
    return ctx.settings.ytdlp_python or updates.default_python()


@job_type(
    CHECK,
    CheckParams,
    description="Asks PyPI's JSON API for the newest yt-dlp and compares it with the installed one; in the auto "
    "mode of downloads.ytdlp_updates it queues the update. Does nothing when yt-dlp is pinned.",
    max_attempts=3,
    timeout_s=300,
    concurrency=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def check_ytdlp(ctx: JobContext, params: CheckParams) -> JobResult:
    async with ctx.reader() as session:
        mode = await runtime_settings.get(session, keys.YTDLP_UPDATES)
        index = await runtime_settings.get(session, keys.YTDLP_PYPI)
        policy = await policy_from_settings(session)
    installed = await updates.installed_version(python_of(ctx))
    if mode == "pinned":
        await ctx.log("info", f"yt-dlp is pinned ({keys.YTDLP_UPDATES}); installed {installed}")
        return {"mode": mode, "installed": installed, "latest": None, "outdated": False}
    try:
        latest = (await updates.latest_release(index, policy)).version
    except FetchFailed as exc:
        raise RetryableJobError(f"cannot ask {index} for yt-dlp's newest release: {exc}") from None
    outdated = updates.is_newer(latest, installed)
    result: dict[str, Any] = {"mode": mode, "installed": installed, "latest": latest, "outdated": outdated}
    await ctx.log("info", f"yt-dlp installed {installed}, newest {latest}" + (" (outdated)" if outdated else ""))
    if outdated and mode == "auto":
        result["update_job"] = await ctx.spawn(UPDATE, UpdateParams(version=latest))
    return result


@job_type(
    UPDATE,
    UpdateParams,
    description="Installs a newer yt-dlp into the running environment with pip, self-tests it in a fresh "
    "interpreter (import and extract a loopback page) and installs the previous version again if the test fails.",
    max_attempts=1,
    timeout_s=1800,
    concurrency=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def update_ytdlp(ctx: JobContext, params: UpdateParams) -> JobResult:
    async with ctx.reader() as session:
        mode = await runtime_settings.get(session, keys.YTDLP_UPDATES)
        pypi = await runtime_settings.get(session, keys.YTDLP_PYPI)
        index = await runtime_settings.get(session, keys.YTDLP_INDEX)
        policy = await policy_from_settings(session)
    if mode == "pinned":
        raise updates.UpdateFailed(f"yt-dlp is pinned (setting {keys.YTDLP_UPDATES}); nothing was changed")
    version = params.version
    if version is None:
        await ctx.progress(0.05, "asking PyPI for the newest yt-dlp")
        version = (await updates.latest_release(pypi, policy)).version
    python = python_of(ctx)
    await ctx.progress(0.1, f"installing yt-dlp {version}")
    outcome = await updates.update(python, version, index_url=str(index) if index else None)
    if outcome.rolled_back:
        reason = f"yt-dlp {version} was rolled back to {outcome.installed}: {outcome.reason}"
        await ctx.log("error", reason)
        raise updates.UpdateFailed(reason)
    await ctx.log("info", f"yt-dlp {outcome.previous} -> {outcome.installed}; the self-test passed")
    return {"previous": outcome.previous, "installed": outcome.installed, "rolled_back": False}


register_default(DefaultSchedule(name="Check for a newer yt-dlp", job_type=CHECK, cron="15 5 * * *"))
