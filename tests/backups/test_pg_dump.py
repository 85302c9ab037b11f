"""PostgreSQL backups through pg_dump where it is installed (decision 0058), the logical export where
it is not or cannot dump the server, and the restores a pg_dump backup refuses."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.backups import service, snapshot
from mvidarr.backups.schemas import Manifest
from mvidarr.backups.service import BackupRefused
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from tests.backups.test_backup_service import PASSPHRASE, _answers, _library

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]
needs_pg_tools = pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump and pg_restore are not installed (apt-get install postgresql-client)",
)


def _without(monkeypatch: pytest.MonkeyPatch, *missing: str, instead: dict[str, str] | None = None) -> None:
    real = snapshot.pg_tool

    def tool(name: str) -> str | None:
        if instead and name in instead:
            return instead[name]
        return None if name in missing else real(name)

    monkeypatch.setattr(snapshot, "pg_tool", tool)


async def _round_trip(client: httpx.AsyncClient, app: Any) -> tuple[Path, str]:
    """Back up, change the library, restore: the answers are the backup's again, byte for byte."""
    db: Database = app.state.db
    settings: Settings = app.state.settings
    paths = await _library(client)
    before = await _answers(client, paths)
    path, manifest = await service.create(db, settings, passphrase=PASSPHRASE, now=utcnow())
    video_id = int(paths[-1].rsplit("/", 1)[1])
    assert (await client.delete(f"/api/v1/videos/{video_id}")).status_code in (200, 202, 204)
    await client.post("/api/v1/artists", json={"name": "Tricky"})
    assert await _answers(client, paths[:1]) != {paths[0]: before[paths[0]]}
    await service.restore(db, settings, path, passphrase=PASSPHRASE, dry_run=False, refuse_running_jobs=True)
    assert await _answers(client, paths) == before
    return path, manifest.database_file


@needs_pg_tools
async def test_with_pg_dump_the_backup_is_its_archive_and_restores_byte_identical(
    client: httpx.AsyncClient, app: Any
) -> None:
    path, database_file = await _round_trip(client, app)
    assert database_file == "database.pgdump"
    manifest = service.read_manifest(path)
    assert manifest.database_schema == await snapshot.current_schema(app.state.db)
    assert manifest.row_counts["video"] == 6
    with zipfile.ZipFile(path) as archive:
        assert archive.read("database.pgdump").startswith(b"PGDMP"), "pg_dump's custom format"


async def test_without_pg_dump_a_logical_export_restores_byte_identical(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without(monkeypatch, "pg_dump", "pg_restore")
    _, database_file = await _round_trip(client, app)
    assert database_file == "database.jsonl"


async def test_a_pg_dump_that_cannot_dump_the_server_falls_back_with_a_warning(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\nexit 1\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    _without(monkeypatch, instead={"pg_dump": str(old)})
    await _library(client)
    path, manifest = await service.create(app.state.db, app.state.settings, passphrase=None, now=utcnow())
    assert manifest.database_file == "database.jsonl"
    assert any("server version mismatch" in w and "logical export" in w for w in manifest.warnings), manifest.warnings
    with zipfile.ZipFile(path) as archive:
        assert "database.pgdump" not in archive.namelist()


@needs_pg_tools
async def test_a_pg_dump_backup_is_refused_without_pg_restore_or_on_another_schema(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db: Database = app.state.db
    settings: Settings = app.state.settings
    await _library(client)
    path, _ = await service.create(db, settings, passphrase=None, now=utcnow())

    with monkeypatch.context() as patched:
        _without(patched, "pg_restore")
        with pytest.raises(BackupRefused, match="needs pg_restore"):
            await service.restore(db, settings, path, passphrase=None, dry_run=True, refuse_running_jobs=True)

    elsewhere = tmp_path / "other-schema.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(elsewhere, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = Manifest.model_validate_json(data)
                data = manifest.model_copy(update={"database_schema": "somewhere_else"}).model_dump_json().encode()
            target.writestr(item, data)
    with pytest.raises(BackupRefused, match="somewhere_else"):
        await service.restore(db, settings, elsewhere, passphrase=None, dry_run=True, refuse_running_jobs=True)
