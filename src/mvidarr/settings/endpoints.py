from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from mvidarr.auth.dependencies import ADMIN, Admin, GuardDep, client_ip
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.network.dependencies import PolicyDep
from mvidarr.settings import service, transfer
from mvidarr.settings.schemas import (
    SettingPublic,
    SettingsDocument,
    SettingsExportRequest,
    SettingsImported,
    SettingsImportRequest,
)
from mvidarr.state import ClockDep

router = APIRouter(prefix="/settings", tags=["settings"])

SettingChanges = Annotated[
    dict[str, Any],
    Body(
        description="Keys to change and their new values; `null` resets a key to its default.",
        examples=[{"library.naming_template": "{artist}/{year} - {title}"}],
        max_length=100,
    ),
]


@router.get(
    "",
    dependencies=[ADMIN],
    response_model=list[SettingPublic],
    summary="List runtime settings",
    description="Every runtime setting with its value in force, default and schema. Secrets are masked.",
    responses=error_responses(422),
)
async def list_settings(session: SessionDep) -> list[SettingPublic]:
    return await service.list_settings(session)


@router.patch(
    "",
    response_model=list[SettingPublic],
    summary="Change runtime settings",
    description="Validates every value against its key's type and saves them together, or none "
    "of them. Takes effect without a restart. A URL MVidarr fetches (a provider's API root, a package "
    "index) must pass the outbound-network policy (`network.allowed_private_hosts` for LAN hosts).",
    responses=error_responses(400, 422),
)
async def update_settings(
    request: Request, session: SessionDep, guard: GuardDep, admin: Admin, body: SettingChanges, policy: PolicyDep
) -> list[SettingPublic]:
    return await service.update_settings(
        session, body, sealer=guard.sealer, actor=admin, ip=client_ip(request), policy=policy
    )


@router.post(
    "/export",
    response_model=SettingsDocument,
    summary="Export runtime settings",
    description="Every saved runtime setting as a JSON document for another installation. Secret settings "
    "are included only sealed with the given passphrase (scrypt, AES-GCM); without one they are listed in "
    "`secrets_left_out`.",
    dependencies=[ADMIN],
    responses=error_responses(401, 403, 422),
)
async def export_settings(
    session: SessionDep, guard: GuardDep, clock: ClockDep, body: SettingsExportRequest
) -> SettingsDocument:
    return await transfer.export_document(session, app_sealer=guard.sealer, passphrase=body.passphrase, now=clock.now())


@router.post(
    "/import",
    response_model=SettingsImported,
    summary="Import runtime settings",
    description="Saves the document's settings, each validated as an edit would be (all or none). Its "
    "secrets are imported only with the passphrase they were exported with; keys this version does not "
    "know are reported and ignored.",
    responses=error_responses(401, 403, 422),
)
async def import_settings(
    request: Request,
    session: SessionDep,
    guard: GuardDep,
    admin: Admin,
    body: SettingsImportRequest,
    policy: PolicyDep,
) -> SettingsImported:
    return await transfer.import_document(
        session,
        body.document,
        app_sealer=guard.sealer,
        passphrase=body.passphrase,
        actor=admin,
        ip=client_ip(request),
        policy=policy,
    )
