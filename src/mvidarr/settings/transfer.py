"""Runtime settings as a JSON document, to move them between installations: secrets travel only
sealed with a passphrase the admin chooses, and are left out without one."""

from __future__ import annotations

import base64
import os
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr import __version__
from mvidarr.auth.guard import Principal
from mvidarr.errors import InvalidInput
from mvidarr.kit.sealing import Sealer, SealError
from mvidarr.models import Setting
from mvidarr.network.policy import NetworkPolicy
from mvidarr.settings import service
from mvidarr.settings.registry import REGISTRY
from mvidarr.settings.schemas import SettingsDocument, SettingsImported

FORMAT = 1


def passphrase_sealer(passphrase: str, salt: bytes | None = None) -> tuple[Sealer, bytes]:
    salt = salt or os.urandom(16)
    return Sealer.from_passphrase(passphrase, salt), salt


async def export_document(
    session: AsyncSession, *, app_sealer: Sealer, passphrase: str | None, now: datetime
) -> SettingsDocument:
    """Every saved setting; secrets re-sealed with the passphrase, or listed as left out."""
    values: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    left_out: list[str] = []
    sealer, salt = passphrase_sealer(passphrase) if passphrase else (None, None)
    for row in (await session.execute(select(Setting).order_by(Setting.key))).scalars():
        definition = REGISTRY.get(row.key)
        if definition is None:
            continue
        if not definition.secret:
            values[row.key] = row.value
            continue
        if sealer is None:
            left_out.append(row.key)
            continue
        try:
            plain = app_sealer.open(row.value) if Sealer.is_sealed(row.value) else str(row.value)
        except SealError:
            left_out.append(row.key)  # sealed under another secret key: unreadable here too
            continue
        secrets[row.key] = sealer.seal(plain)
    return SettingsDocument(
        format=FORMAT,
        mvidarr_version=__version__,
        exported_at=now,
        settings=values,
        secrets=secrets,
        secrets_salt=base64.b64encode(salt).decode("ascii") if salt else None,
        secrets_left_out=left_out,
    )


async def import_document(
    session: AsyncSession,
    document: SettingsDocument,
    *,
    app_sealer: Sealer,
    passphrase: str | None,
    actor: Principal | None = None,
    ip: str | None = None,
    policy: NetworkPolicy | None = None,
) -> SettingsImported:
    """Save the document's settings (validated as an edit would be); its secrets only with the
    passphrase they were sealed with."""
    if document.format != FORMAT:
        raise InvalidInput(f"settings document format {document.format} is not supported (expected {FORMAT})")
    changes: dict[str, Any] = {k: v for k, v in document.settings.items() if k in REGISTRY}
    unknown = sorted(k for k in (*document.settings, *document.secrets) if k not in REGISTRY)
    skipped: list[str] = []
    if document.secrets:
        if not passphrase:
            skipped = sorted(document.secrets)
        else:
            if not document.secrets_salt:
                raise InvalidInput("the document has secrets but no secrets_salt")
            sealer, _ = passphrase_sealer(passphrase, base64.b64decode(document.secrets_salt))
            for key, sealed in document.secrets.items():
                if key not in REGISTRY:
                    continue
                try:
                    changes[key] = sealer.open(sealed)
                except SealError:
                    raise InvalidInput(
                        "the passphrase does not open the document's secrets", loc=("body", "passphrase")
                    ) from None
    await service.update_settings(session, changes, sealer=app_sealer, actor=actor, ip=ip, policy=policy)
    return SettingsImported(
        imported=sorted(changes), secrets_skipped=skipped, unknown=unknown, secrets_left_out=document.secrets_left_out
    )
