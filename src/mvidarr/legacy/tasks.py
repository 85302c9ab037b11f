"""`legacy.import`: the 0.9.7 import (or its dry run) as a durable job with live progress.

The job's parameters hold the database URL sealed with the app secret: the password is stored
encrypted and never shown in the job list, its logs or its result.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.auth.passwords import Passwords
from mvidarr.jobs import service as jobs
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import service
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.source import LegacySource, LegacyUnreachable
from mvidarr.library.tasks import SCAN
from mvidarr.network.settings import policy_from_settings

IMPORT = "legacy.import"
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
            progress=ctx.progress,
            to_thread=ctx.to_thread,
        )
    except LegacyUnreachable as exc:
        raise LegacyImportFailed(str(exc)) from None
    finally:
        passwords.close()
    if not params.dry_run and report.root_folders_to_scan:
        # The linked files have no probe yet: a scan of their root folders reads them.
        async with ctx.session() as session:
            for root_id in report.root_folders_to_scan:
                await jobs.enqueue(session, ctx.events, SCAN, {"root_folder_id": root_id}, created_by=ctx.created_by)
            await session.commit()
    summary = ", ".join(f"{k} {v.imported}+{v.linked}" for k, v in report.kinds.items() if v.imported or v.linked)
    await ctx.log(
        "info", f"{'dry run of ' if params.dry_run else ''}import from {source.display}: {summary or 'nothing new'}"
    )
    return report.model_dump(mode="json")
