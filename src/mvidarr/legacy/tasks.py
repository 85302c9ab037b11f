"""`legacy.import`: the 0.9.7 import (or its dry run) as a durable job with live progress; and
`legacy.thumbnails`, queued after it, fetching the pictures 0.9.7 showed.

The import job's parameters hold the database URL sealed with the app secret: the password is stored
encrypted and never shown in the job list, its logs or its result.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.passwords import Passwords
from mvidarr.events.hub import EventHub
from mvidarr.jobs import repository as job_rows
from mvidarr.jobs import service as jobs
from mvidarr.jobs.context import JobContext, JobDeferred
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import service, thumbnails
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.schemas import LegacyReport
from mvidarr.legacy.source import LegacySource, LegacyUnreachable
from mvidarr.library.tasks import SCAN
from mvidarr.models.job import ACTIVE_STATUSES
from mvidarr.network.settings import policy_from_settings

IMPORT = "legacy.import"
THUMBNAILS = "legacy.thumbnails"
WAIT_FOR_SCANS_S = 30.0
SEAL_PURPOSE = "legacy-import"


class LegacyImportParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(max_length=2048)] = Field(description="The 0.9.7 database, without its password.")
    sealed_url: Annotated[str, Field(max_length=8192)] = Field(description="The whole URL, sealed with the app secret.")
    dry_run: bool = True
    path_maps: list[Annotated[str, Field(max_length=4096)]] = Field(default_factory=list, max_length=50)


def sealer(secret: str) -> Sealer:
    return Sealer.from_secret(secret, purpose=SEAL_PURPOSE)


class LegacyImportFailed(Exception):
    """The 0.9.7 database could not be read (its reason says why, without the password)."""


@job_type(
    IMPORT,
    LegacyImportParams,
    description="Reads a MVidarr 0.9.7 database (read-only) and brings its library across, or with `dry_run` "
    "only reports what would happen. The result is the report.",
    max_attempts=1,
    timeout_s=3600,
    concurrency=1,
    required_role=Role.ADMIN,
)
async def import_legacy(ctx: JobContext, params: LegacyImportParams) -> JobResult:
    secret = ctx.settings.resolve_secret_key()
    source = LegacySource.parse(sealer(secret).open(params.sealed_url))
    async with ctx.reader() as session:
        policy = await policy_from_settings(session)
    # Checked again when the job runs (the setting may have changed); the checked address is used.
    address = await service.address_of(source, policy)
    passwords = Passwords(ctx.settings)
    try:
        report = await service.import_legacy(
            ctx.db,
            source,
            address=address,
            path_maps=[PathMap.parse(m) for m in params.path_maps],
            dry_run=params.dry_run,
            sealer=Sealer.from_secret(secret),
            hash_password=passwords.hash,
            policy=policy,
            progress=ctx.progress,
            to_thread=ctx.to_thread,
        )
    except LegacyUnreachable as exc:
        raise LegacyImportFailed(str(exc)) from None
    finally:
        passwords.close()
    if not params.dry_run:
        async with ctx.session() as session:
            report.queued_jobs = await queue_follow_up(session, ctx.events, report, created_by=ctx.created_by)
            await session.commit()
    summary = ", ".join(f"{k} {v.imported}+{v.linked}" for k, v in report.kinds.items() if v.imported or v.linked)
    await ctx.log(
        "info", f"{'dry run of ' if params.dry_run else ''}import from {source.display}: {summary or 'nothing new'}"
    )
    return report.model_dump(mode="json")


class LegacyThumbnailsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(max_length=255)] = Field(description="The 0.9.7 database name the import read.")
    after_jobs: list[int] = Field(
        default_factory=list, max_length=1000, description="Scans to wait for (their frame grabs come first)."
    )


async def queue_follow_up(
    session: AsyncSession, events: EventHub, report: LegacyReport, *, created_by: int | None
) -> list[int]:
    """After a real import: a scan of each root folder with linked files (they have no probe yet), then
    the thumbnail fetch, which waits for those scans. The caller commits."""
    scans = [
        (await jobs.enqueue(session, events, SCAN, {"root_folder_id": root_id}, created_by=created_by))[0].id
        for root_id in report.root_folders_to_scan
    ]
    queued = list(scans)
    if report.thumbnails_to_fetch:
        params = LegacyThumbnailsParams(source=report.source, after_jobs=scans)
        job, _created = await jobs.enqueue(session, events, THUMBNAILS, params, created_by=created_by)
        queued.append(job.id)
    return queued


@job_type(
    THUMBNAILS,
    LegacyThumbnailsParams,
    description="Fetches the thumbnails a 0.9.7 import kept the URLs of, through the network policy, for the "
    "imported artists and videos still without a picture. Waits for the import's scans first.",
    max_attempts=3,
    timeout_s=3600,
    concurrency=1,
    required_role=Role.ADMIN,
)
async def fetch_thumbnails(ctx: JobContext, params: LegacyThumbnailsParams) -> JobResult:
    async with ctx.reader() as session:
        waiting = [j.id for j in await job_rows.jobs_by_ids(session, params.after_jobs) if j.status in ACTIVE_STATUSES]
    if waiting:
        raise JobDeferred(f"waiting for the scans {waiting} to finish", wait_s=WAIT_FOR_SCANS_S)

    async def failed(failure: thumbnails.Failure) -> None:
        await ctx.log("warning", f"{failure.kind} {failure.id}: picture {failure.url} not stored: {failure.reason}")

    outcome = await thumbnails.fetch_all(
        ctx.session,
        ctx.settings.data_dir,
        params.source,
        progress=ctx.progress,
        should_stop=ctx.should_abort,
        on_failure=failed,
    )
    await ctx.log("info", f"0.9.7 pictures: {outcome.fetched} stored, {outcome.failed} not")
    return outcome.as_result()
