"""Importing a MVidarr 0.9.7 library, for admins: start a dry run or the import as a job."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request, status

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import Admin, client_ip
from mvidarr.config import SettingsDep
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.legacy import service
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.schemas import LegacyImportRequest
from mvidarr.legacy.source import LegacySource
from mvidarr.legacy.tasks import IMPORT, LegacyImportParams, sealer
from mvidarr.network.dependencies import PolicyDep
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/legacy-import", tags=["system"])


@router.post(
    "",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import from MVidarr 0.9.7",
    description="Starts a `legacy.import` job reading the given 0.9.7 database (MariaDB/MySQL, read-only). "
    "With `dry_run` (the default) nothing changes and the job's result is the report of what the import "
    "would do; without it the library is brought across and the result reports what was done. Running the "
    "import again changes nothing; a later run brings only what is new. The URL's host must pass the "
    "network policy (422 `network-refused` otherwise; 502 when the name does not resolve); its password is "
    "sealed in the job and never shown.",
    responses=error_responses(401, 403, 422, 502),
)
async def start_import(
    request: Request,
    settings: SettingsDep,
    body: LegacyImportRequest,
    session: SessionDep,
    admin: Admin,
    events: EventsDep,
    clock: ClockDep,
    policy: PolicyDep,
) -> JobPublic:
    source = LegacySource.parse(body.url)
    if body.password:
        source = dataclasses.replace(source, password=body.password)
    maps = [PathMap.parse(m) for m in body.path_maps]
    # Refused here already (not only when the job runs), so the admin sees why at once.
    await service.address_of(source, policy)
    secret = settings.resolve_secret_key()
    params = LegacyImportParams(
        source=source.display,
        sealed_url=sealer(secret).seal(source.url()),
        dry_run=body.dry_run,
        path_maps=[f"{m.old}={m.new}" for m in maps],
    )
    job, _created = await jobs.enqueue(session, events, IMPORT, params, created_by=admin.user_id, clock=clock)
    audit.record(
        session, "legacy.import_started", actor=admin, ip=client_ip(request), target_type="job", target_id=job.id,
        details={"source": source.display, "dry_run": body.dry_run},
    )  # fmt: skip
    return jobs.public(job)
