"""A backup uploaded through the API: streamed to a private temp file, checked, then kept."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

from mvidarr.backups import service
from mvidarr.backups.schemas import BackupPublic
from mvidarr.config import Settings
from mvidarr.errors import PayloadTooLarge

MAX_UPLOAD_BYTES = 4 * 1024**3


def _keep(settings: Settings, partial: Path) -> Path:
    """Check the manifest (a damaged or foreign file is refused) and move the file into the
    backups folder under a name from its creation time (blocking)."""
    manifest = service.read_manifest(partial)
    target = service.folder(settings) / f"{service.PREFIX}{manifest.created_at.astimezone(UTC):%Y%m%dT%H%M%S}Z.zip"
    counter = 1
    while target.exists():
        target = target.with_name(f"{target.name.removesuffix('.zip')}.{counter}.zip")
        counter += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, target)
    return target


async def receive(settings: Settings, body: AsyncIterator[bytes]) -> BackupPublic:
    """Stream the body to a private temp file, then keep it if it is a backup."""
    tmp = settings.data_dir / "tmp"
    fd, name = await asyncio.to_thread(tempfile.mkstemp, dir=tmp, prefix=".upload-", suffix=".zip")
    partial = Path(name)
    try:
        received = 0
        with os.fdopen(fd, "wb") as sink:
            async for chunk in body:
                received += len(chunk)
                if received > MAX_UPLOAD_BYTES:
                    raise PayloadTooLarge(f"a backup upload is at most {MAX_UPLOAD_BYTES} bytes")
                sink.write(chunk)  # chunks of about 64 KiB into the page cache
        target = await asyncio.to_thread(_keep, settings, partial)
        return await service.describe(settings, target)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
