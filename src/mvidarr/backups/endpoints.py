"""Backups for admins: list, start one, download, upload, delete, restore (with a dry run)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import FileResponse

from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import ADMIN, Admin, GuardDep, client_ip
from mvidarr.backups import service, uploads
from mvidarr.backups.schemas import BackupList, BackupPublic, RestorePlan, RestoreRequest
from mvidarr.config import SettingsDep
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.state import ClockDep, DatabaseDep, EventsDep, ProvidersIfRunningDep

router = APIRouter(prefix="/backups", tags=["system"])
NamePath = Annotated[
    str,
    Path(
        min_length=20,
        max_length=120,
        pattern=r"^mvidarr-backup-[0-9A-Za-z._-]+\.zip$",
        description="A backup's file name, as the list gives it.",
    ),
]
UPLOAD_PATH = re.compile(r"^/api/v1/backups/upload$")
UPLOAD_BODY_LIMIT = uploads.MAX_UPLOAD_BYTES


@router.get(
    "",
    dependencies=[ADMIN],
    response_model=BackupList,
    summary="List backups",
    description="Backups in the backups folder, newest first, with what each holds (from its manifest).",
    responses=error_responses(401, 403),
)
async def list_backups(settings: SettingsDep) -> BackupList:
    return await service.list_backups(settings)


@router.post(
    "",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Back up now",
    description="Starts a `system.backup` job (the scheduled one's work: database, settings, the secret key "
    "sealed with the `backups.passphrase` setting, then retention). A backup already queued or running is "
    "answered instead.",
    responses=error_responses(401, 403),
)
async def create_backup(session: SessionDep, admin: Admin, events: EventsDep, clock: ClockDep) -> JobPublic:
    job, _created = await jobs.enqueue(session, events, "system.backup", {}, created_by=admin.user_id, clock=clock)
    return jobs.public(job)


@router.get(
    "/{name}",
    dependencies=[ADMIN],
    response_class=FileResponse,
    summary="Download a backup",
    description="The backup's zip file.",
    responses={
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
        **error_responses(401, 403, 404, 422),
    },
)
async def download_backup(settings: SettingsDep, name: NamePath) -> FileResponse:
    path = service.backup_path(settings, name)
    return FileResponse(path, media_type="application/zip", filename=path.name)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a backup",
    description="Removes the file from the backups folder.",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_backup(
    request: Request, settings: SettingsDep, session: SessionDep, admin: Admin, name: NamePath
) -> None:
    await service.delete_backup(settings, name)
    audit.record(session, "backup.deleted", actor=admin, ip=client_ip(request), target_type="backup",
                 details={"name": name})  # fmt: skip


@router.post(
    "/upload",
    response_model=BackupPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a backup",
    description="The body is a backup's zip file (`Content-Type: application/zip`, at most 4 GiB). It is "
    "checked (manifest and checksums) and kept in the backups folder, to restore from there.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=error_responses(401, 403, 413, 422),
)
async def upload_backup(request: Request, settings: SettingsDep, session: SessionDep, admin: Admin) -> BackupPublic:
    result = await uploads.receive(settings, request.stream())
    audit.record(session, "backup.uploaded", actor=admin, ip=client_ip(request), target_type="backup",
                 details={"name": result.name})  # fmt: skip
    return result


@router.post(
    "/{name}/restore",
    response_model=RestorePlan,
    summary="Restore a backup",
    description="With `dry_run` (the default), checks the backup and tells what it would replace. Otherwise "
    "replaces the whole database with the backup's (an older schema is then migrated), and the secret key "
    "when the passphrase opens it (restart MVidarr then). Refused while jobs run, for a backup from a newer "
    "MVidarr (409) and for a damaged one (422).",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def restore_backup(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    guard: GuardDep,
    providers: ProvidersIfRunningDep,
    admin: Admin,
    name: NamePath,
    body: RestoreRequest,
) -> RestorePlan:
    path = service.backup_path(settings, name)
    result = await service.restore(
        db, settings, path, passphrase=body.passphrase, dry_run=body.dry_run, refuse_running_jobs=True
    )
    if not body.dry_run:
        guard.forget_api_keys()
        if providers is not None:
            providers.invalidate()
        async with db.writer() as session:
            audit.record(session, "backup.restored", actor=admin, ip=client_ip(request), target_type="backup",
                         details={"name": name, "migrated": result.migrate_after})  # fmt: skip
            await session.commit()
    return result
