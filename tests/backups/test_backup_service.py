"""Backups: what a backup holds, a restore that gives back byte-identical API answers, and the
backups a restore refuses."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mvidarr.backups import service
from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.errors import InvalidInput
from mvidarr.migrations import current_revision, head_revision, upgrade
from mvidarr.models import Artist
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio
PASSPHRASE = "correct horse battery staple"
PATHS = ("/api/v1/artists", "/api/v1/videos?page_size=100", "/api/v1/settings", "/api/v1/genres")


async def _library(client: httpx.AsyncClient) -> list[str]:
    paths = list(PATHS)
    for name in ("Björk", "Massive Attack", "Portishead"):
        artist = await make_artist(client, name)
        paths.append(f"/api/v1/artists/{artist['id']}")
        for title in ("One", "Two"):
            video = await make_video(client, artist["id"], f"{name} {title}", year=1995)
            paths.append(f"/api/v1/videos/{video['id']}")
    changed = await client.patch(
        "/api/v1/settings", json={"library.naming_template": "{artist}/{title}", "providers.imvdb.api_key": "imvdb-k3y"}
    )
    assert changed.status_code == 200, changed.text
    return paths


async def _answers(client: httpx.AsyncClient, paths: list[str]) -> dict[str, bytes]:
    answers = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        answers[path] = response.content
    return answers


async def test_restore_gives_byte_identical_answers(client: httpx.AsyncClient, app: Any) -> None:
    db: Database = app.state.db
    settings: Settings = app.state.settings
    paths = await _library(client)
    before = await _answers(client, paths)
    path, manifest = await service.create(db, settings, passphrase=PASSPHRASE, now=utcnow())
    assert path.parent == settings.data_dir / "backups"
    assert manifest.row_counts["artist"] == 3
    assert manifest.row_counts["video"] == 6
    assert manifest.migration == head_revision()
    assert manifest.secret_key == "sealed"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        exported = json.loads(archive.read("settings.json"))
    assert names == {"manifest.json", "settings.json", "secret.json", manifest.database_file}
    assert exported["settings"]["library.naming_template"] == "{artist}/{title}"
    assert "imvdb-k3y" not in json.dumps(exported), "secrets travel sealed with the passphrase"
    assert set(exported["secrets"]) == {"providers.imvdb.api_key"}

    # Change the library after the backup: a new artist, a deleted video, an edited setting.
    await make_artist(client, "Tricky")
    video_id = int(paths[-1].rsplit("/", 1)[1])
    assert (await client.delete(f"/api/v1/videos/{video_id}")).status_code in (200, 202, 204)
    await client.patch("/api/v1/settings", json={"library.naming_template": "{title}"})
    assert (await _answers(client, list(PATHS)))["/api/v1/artists"] != before["/api/v1/artists"]

    dry = await service.restore(db, settings, path, passphrase=PASSPHRASE, dry_run=True, refuse_running_jobs=True)
    assert dry.dry_run
    artists = next(t for t in dry.tables if t.table == "artist")
    assert (artists.current, artists.backup) == (4, 3)
    assert dry.secret_key == "replaced"
    assert (await _answers(client, ["/api/v1/artists"]))["/api/v1/artists"] != before["/api/v1/artists"]

    done = await service.restore(db, settings, path, passphrase=PASSPHRASE, dry_run=False, refuse_running_jobs=True)
    assert not done.dry_run
    assert await _answers(client, paths) == before
    assert (settings.data_dir / "secret.key").read_text().strip() == settings.resolve_secret_key()


async def test_backup_without_passphrase_leaves_the_key_out(client: httpx.AsyncClient, app: Any) -> None:
    await _library(client)
    path, manifest = await service.create(app.state.db, app.state.settings, passphrase=None, now=utcnow())
    assert manifest.secret_key == "left_out"
    assert any("secret key is left out" in w for w in manifest.warnings)
    with zipfile.ZipFile(path) as archive:
        assert "secret.json" not in archive.namelist()
        exported = json.loads(archive.read("settings.json"))
    assert exported["secrets"] == {}
    assert exported["secrets_left_out"] == ["providers.imvdb.api_key"]
    listing = await service.list_backups(app.state.settings)
    assert [item.name for item in listing.items] == [path.name]
    assert listing.last_backup_at == manifest.created_at


def _rewrite(path: Path, target: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as sink:
        for name in source.namelist():
            sink.writestr(name, change.get(name, source.read(name)))


async def test_refuses_damaged_newer_and_wrong_passphrase(client: httpx.AsyncClient, app: Any, tmp_path: Path) -> None:
    db, settings = app.state.db, app.state.settings
    await _library(client)
    path, manifest = await service.create(db, settings, passphrase=PASSPHRASE, now=utcnow())
    damaged = tmp_path / "damaged.zip"
    _rewrite(path, damaged, {manifest.database_file: b"not the database"})
    with pytest.raises(service.BackupInvalid, match="checksum"):
        await service.restore(db, settings, damaged, passphrase=None, dry_run=True, refuse_running_jobs=True)
    newer = tmp_path / "newer.zip"
    future = manifest.model_copy(update={"migration": "9999", "mvidarr_version": "9.0.0"})
    _rewrite(path, newer, {"manifest.json": future.model_dump_json().encode()})
    with pytest.raises(service.BackupRefused, match="newer MVidarr"):
        await service.restore(db, settings, newer, passphrase=None, dry_run=False, refuse_running_jobs=True)
    with pytest.raises(InvalidInput, match="passphrase"):
        await service.restore(db, settings, path, passphrase="wrong passphrase", dry_run=True, refuse_running_jobs=True)
    not_zip = tmp_path / "plain.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(service.BackupInvalid):
        await service.restore(db, settings, not_zip, passphrase=None, dry_run=True, refuse_running_jobs=True)
    # Nothing was restored by the refusals: the library is as it was.
    assert len((await client.get("/api/v1/artists")).json()["items"]) == 3


@pytest.mark.sqlite_only
async def test_older_schema_is_migrated_after_restore(client: httpx.AsyncClient, app: Any, tmp_path: Path) -> None:
    settings: Settings = app.state.settings
    old = Database.connect(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'old.db'}").database)  # type: ignore[call-arg]
    try:
        await upgrade(old.engine, "0011")
        async with old.engine.begin() as conn:  # the artist table as it was at 0011 (no sort_key yet)
            table = await conn.run_sync(lambda sync: sa.Table("artist", sa.MetaData(), autoload_with=sync))
            stamp = utcnow()
            await conn.execute(
                table.insert().values(
                    name="Old Artist", sort_name="Old Artist", name_key="old artist", search_text="old artist",
                    disambiguation="", disambiguation_key="", monitored=True, auto_download=False,
                    include_words="[]", exclude_words="[]", monitor_new=False, locked_fields="[]",
                    field_provenance="{}", created_at=stamp, updated_at=stamp,
                )
            )  # fmt: skip
        path, manifest = await service.create(old, settings, passphrase=None, now=utcnow())
    finally:
        await old.dispose()
    assert manifest.migration == "0011"
    plan = await service.restore(app.state.db, settings, path, passphrase=None, dry_run=True, refuse_running_jobs=True)
    assert plan.migrate_after
    assert plan.backup_migration == "0011"
    await service.restore(app.state.db, settings, path, passphrase=None, dry_run=False, refuse_running_jobs=True)
    assert await current_revision(app.state.db.engine) == head_revision()
    # (The backup has no users, so the test's session is gone with the restore: read the rows directly.)
    async with app.state.db.reader() as session:
        names = list((await session.execute(sa.select(Artist.name))).scalars())
    assert names == ["Old Artist"]
