"""`system.backup`: the scheduled backup, with retention."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.backups import service
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.sealing import Sealer
from mvidarr.settings import registry as setting_keys
from mvidarr.settings import service as runtime_settings


class BackupParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="Override of the `backups.retention_count` setting."
    )


@job_type(
    "system.backup",
    BackupParams,
    description="Backs up the database, the runtime settings and (sealed with the `backups.passphrase` setting) "
    "the secret key into the backups folder, then deletes the oldest backups beyond the retention count.",
    priority=-5,
    max_attempts=2,
    timeout_s=3600,
    concurrency=1,
    dedupe=True,
    required_role=Role.ADMIN,
)
async def backup(ctx: JobContext, params: BackupParams) -> JobResult:
    settings = ctx.settings
    sealer = Sealer.from_secret(settings.resolve_secret_key())
    async with ctx.reader() as session:
        passphrase = await runtime_settings.get(session, setting_keys.BACKUP_PASSPHRASE, sealer=sealer)
        retention: int = await runtime_settings.get(session, setting_keys.BACKUP_RETENTION_COUNT)
        keep = params.keep or retention
    await ctx.progress(0.05, "copying the database")
    path, manifest = await service.create(ctx.db, settings, passphrase=passphrase, now=ctx.now())
    for warning in manifest.warnings:
        await ctx.log("warning", warning)
    removed = await service.prune(settings, keep)
    if removed:
        await ctx.log("info", f"deleted {len(removed)} old backup(s): {', '.join(removed)}")
    await ctx.log("info", f"backup {path.name}: {sum(manifest.row_counts.values())} rows, schema {manifest.migration}")
    return {
        "backup": path.name,
        "size": path.stat().st_size,
        "rows": sum(manifest.row_counts.values()),
        "secret_key": manifest.secret_key,
        "deleted": removed,
    }


register_default(DefaultSchedule(name="Back up the database", job_type="system.backup", cron="41 2 * * *"))
