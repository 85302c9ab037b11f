"""Health warnings the *arr way: a registry of checks, each naming what is wrong and where to fix it.

Readiness (`service.readiness`) answers "can this process serve?"; warnings answer "what should an
admin look at?". They share the checks that overlap (disk space, library folders, providers) and
add what only an admin needs to hear: workers that do not run jobs, an overdue backup, an old
yt-dlp, PostgreSQL connections near their limit.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from mvidarr.backups import service as backups
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.library.roots import check_folder
from mvidarr.models import Job, JobStatus, RootFolder
from mvidarr.providers.hub import ProviderHub
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings
from mvidarr.system.schemas import HealthWarning

log = logging.getLogger("mvidarr.system")
CHECK_TIMEOUT_S = 5.0
STALLED_AFTER = timedelta(minutes=5)
YT_DLP_MAX_AGE_DAYS = 90
PG_CONNECTIONS_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class Context:
    db: Database
    settings: Settings
    providers: ProviderHub | None
    now: datetime


Check = Callable[[Context], Awaitable[list[HealthWarning]]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    """Register a health check under `name` (the warning's `source`)."""

    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


@check("disk_space")
async def _disk_space(ctx: Context) -> list[HealthWarning]:
    async with ctx.db.reader() as session:
        roots = list((await session.execute(select(RootFolder.path))).scalars())
    minimum = ctx.settings.health_min_free_disk_mb
    found = []
    for path in [str(ctx.settings.data_dir), *roots]:
        try:
            free_mb = (await asyncio.to_thread(shutil.disk_usage, path)).free // (1024 * 1024)
        except OSError:
            continue  # an unreachable root folder is the next check's warning
        if free_mb < minimum:
            found.append(
                HealthWarning(
                    source="disk_space",
                    level="error" if free_mb < minimum // 4 else "warning",
                    message=f"only {free_mb} MB free in {path} (warning below {minimum} MB)",
                    fix_url="/settings#root-folders",
                )
            )
    return found


@check("root_folders")
async def _root_folders(ctx: Context) -> list[HealthWarning]:
    async with ctx.db.reader() as session:
        roots = list((await session.execute(select(RootFolder.path))).scalars())
    states = await asyncio.gather(*(asyncio.to_thread(check_folder, path) for path in roots))
    return [
        HealthWarning(
            source="root_folders",
            level="error",
            message=f"root folder {path} is unreachable: {state.reason or 'inaccessible'}",
            fix_url="/settings#root-folders",
        )
        for path, state in zip(roots, states, strict=True)
        if not state.accessible
    ]


@check("providers")
async def _providers(ctx: Context) -> list[HealthWarning]:
    if ctx.providers is None:
        return []
    found = []
    for status in await ctx.providers.statuses():
        if status.state in ("down", "degraded"):
            detail = f": {status.last_error}" if status.last_error else ""
            found.append(
                HealthWarning(
                    source="providers",
                    level="warning",
                    message=f"{status.label} is {'paused after failures' if status.state == 'down' else 'failing'}"
                    + detail,
                    fix_url="/settings#providers",
                )
            )
    return found


def _yt_dlp_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("yt-dlp")
    except Exception:
        return None


@check("yt_dlp")
async def _yt_dlp(ctx: Context) -> list[HealthWarning]:
    from mvidarr.downloads import service as downloads
    from mvidarr.downloads import updates

    if ctx.settings.ytdlp_python:
        installed = await updates.installed_version(ctx.settings.ytdlp_python)
    else:
        installed = _yt_dlp_version()
    if installed is None:
        return [HealthWarning(source="yt_dlp", level="error", message="yt-dlp is not installed: downloads cannot run",
                              fix_url="/system#about")]  # fmt: skip
    async with ctx.db.reader() as session:
        known = await downloads.ytdlp_status(session, installed)
    if known.mode == "pinned":
        return []
    if known.outdated:
        return [
            HealthWarning(
                source="yt_dlp",
                level="warning",
                message=f"yt-dlp {known.latest} is out (installed {installed}); sites change often and an old "
                "yt-dlp fails downloads: update it on the System page",
                fix_url="/system#ytdlp",
            )
        ]
    if known.latest is not None:
        return []  # the last check found nothing newer
    # yt-dlp versions are release dates (2025.11.12); sites change often, so an old one fails downloads.
    found = re.match(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})", installed)
    if found is None:
        return []
    released = date(*(int(part) for part in found.groups()))
    age = (ctx.now.date() - released).days
    if age <= YT_DLP_MAX_AGE_DAYS:
        return []
    return [
        HealthWarning(
            source="yt_dlp",
            level="warning",
            message=f"yt-dlp {installed} is {age} days old; sites change often, update it (pip install -U yt-dlp)",
            fix_url="/system#about",
        )
    ]


@check("workers")
async def _workers(ctx: Context) -> list[HealthWarning]:
    """No worker alive: ready jobs have waited past STALLED_AFTER and no job had a heartbeat since."""
    since = ctx.now - STALLED_AFTER
    async with ctx.db.reader() as session:
        waiting = await session.scalar(
            select(func.count()).where(Job.status == JobStatus.QUEUED, Job.run_after < since)
        )
        alive = await session.scalar(
            select(func.count()).where(Job.status == JobStatus.RUNNING, Job.heartbeat_at >= since)
        )
    if not waiting or alive:
        return []
    return [
        HealthWarning(
            source="workers",
            level="error",
            message=f"{waiting} job(s) have waited more than {int(STALLED_AFTER.total_seconds() // 60)} minutes and "
            "no worker is running jobs: start `mvidarr worker` or `mvidarr serve` without --no-jobs",
            fix_url="/activity",
        )
    ]


@check("backups")
async def _backups(ctx: Context) -> list[HealthWarning]:
    async with ctx.db.reader() as session:
        hours = await runtime_settings.get(session, setting_keys.BACKUP_MAX_AGE_HOURS)
    listing = await backups.list_backups(ctx.settings)
    last = listing.last_backup_at
    if last is not None and ctx.now - last <= timedelta(hours=hours):
        return []
    message = (
        "no backup has been made yet"
        if last is None
        else f"the newest backup is {int((ctx.now - last).total_seconds() // 3600)} hours old (warning after {hours})"
    )
    return [HealthWarning(source="backups", level="warning", message=message, fix_url="/system#backups")]


@check("database_connections")
async def _database_connections(ctx: Context) -> list[HealthWarning]:
    if ctx.db.is_sqlite:
        return []
    async with ctx.db.engine.connect() as conn:
        used = int((await conn.execute(text("SELECT count(*) FROM pg_stat_activity"))).scalar_one())
        limit = int((await conn.execute(text("SHOW max_connections"))).scalar_one())
    if used < limit * PG_CONNECTIONS_SHARE:
        return []
    return [
        HealthWarning(
            source="database_connections",
            level="warning",
            message=f"PostgreSQL has {used} of its {limit} connections open; raise max_connections or lower "
            "MVIDARR_DB_POOL_SIZE / the number of processes",
            fix_url="/system#health",
        )
    ]


async def _run(name: str, function: Check, ctx: Context) -> list[HealthWarning]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await function(ctx)
    except TimeoutError:
        return [HealthWarning(source=name, level="warning", message=f"the {name} check gave no answer in time",
                              fix_url="/system#health")]  # fmt: skip
    except Exception as exc:  # one broken check must not hide the others
        log.warning("health check %s failed", name, exc_info=True)
        return [HealthWarning(source=name, level="warning", message=f"the {name} check failed: {exc}",
                              fix_url="/system#health")]  # fmt: skip


async def warnings(ctx: Context) -> list[HealthWarning]:
    """Every registered check's warnings, errors first."""
    results = await asyncio.gather(*(_run(name, function, ctx) for name, function in CHECKS.items()))
    found = [warning for result in results for warning in result]
    return sorted(found, key=lambda w: (w.level != "error", w.source))
