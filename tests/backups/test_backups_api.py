"""The backups API and the `system.backup` job, as an admin uses them."""

from __future__ import annotations

import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import ACTIVE_STATUSES, Job, JobStatus, Role
from tests.conftest import ClientAs
from tests.factories import make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


async def _settle(db: Database) -> None:
    """Wait for the jobs adding an artist starts (a restore is refused while jobs run)."""
    async with db.reader() as session:
        ids = (await session.execute(select(Job.id).where(Job.status.in_(ACTIVE_STATUSES)))).scalars().all()
    for job_id in ids:
        await wait_for(db, job_id, within_s=60)


async def _backup_job(client: httpx.AsyncClient, db: Database) -> dict[str, Any]:
    started = await client.post("/api/v1/backups")
    assert started.status_code == 202, started.text
    job = await wait_for(db, started.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    return job.result


async def test_backup_job_list_download_upload_restore(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    artist = (await client.post("/api/v1/artists?enrich=false", json={"name": "Björk"})).json()
    await make_video(client, artist["id"], "Hyperballad")
    before = (await client.get("/api/v1/videos")).content
    assert (await client.patch("/api/v1/settings", json={"backups.passphrase": "a long passphrase"})).status_code == 200
    result = await _backup_job(client, db)
    assert result["secret_key"] == "sealed"
    assert result["rows"] > 0
    listing = (await client.get("/api/v1/backups")).json()
    assert [item["name"] for item in listing["items"]] == [result["backup"]]
    assert listing["items"][0]["row_counts"]["video"] == 1
    assert listing["last_backup_at"] is not None

    download = await client.get(f"/api/v1/backups/{result['backup']}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    raw = download.content
    assert zipfile.is_zipfile(__import__("io").BytesIO(raw))

    # Deleted, then uploaded again: it is the same backup.
    assert (await client.delete(f"/api/v1/backups/{result['backup']}")).status_code == 204
    assert (await client.get("/api/v1/backups")).json()["items"] == []
    uploaded = await client.post("/api/v1/backups/upload", content=raw, headers={"Content-Type": "application/zip"})
    assert uploaded.status_code == 201, uploaded.text
    name = uploaded.json()["name"]
    assert uploaded.json()["row_counts"]["video"] == 1
    rubbish = await client.post(
        "/api/v1/backups/upload", content=b"PK not a zip", headers={"Content-Type": "application/zip"}
    )
    assert rubbish.status_code == 422
    assert len((await client.get("/api/v1/backups")).json()["items"]) == 1

    assert (await client.post("/api/v1/artists?enrich=false", json={"name": "Tricky"})).status_code == 201
    await _settle(db)
    dry = await client.post(f"/api/v1/backups/{name}/restore", json={})
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert {t["table"]: (t["current"], t["backup"]) for t in dry.json()["tables"]}["artist"] == (2, 1)
    wrong = await client.post(f"/api/v1/backups/{name}/restore", json={"dry_run": True, "passphrase": "nope"})
    assert wrong.status_code == 422
    done = await client.post(f"/api/v1/backups/{name}/restore", json={"dry_run": False})
    assert done.status_code == 200, done.text
    assert done.json()["secret_key"] == "kept"
    assert (await client.get("/api/v1/videos")).content == before
    assert (await client.get("/api/v1/backups/mvidarr-backup-nothing-here.zip")).status_code == 404
    assert (await client.get("/api/v1/backups/..%2Fsecret.key")).status_code in (404, 422)


async def test_retention_keeps_the_newest(app: Any, client: httpx.AsyncClient, db: Database, runner: Runner) -> None:
    assert (await client.patch("/api/v1/settings", json={"backups.retention_count": 2})).status_code == 200
    names = []
    for _ in range(3):
        result = await _backup_job(client, db)
        names.append(result["backup"])
    listed = [item["name"] for item in (await client.get("/api/v1/backups")).json()["items"]]
    assert sorted(listed) == sorted(names[1:])
    assert result["deleted"] == [names[0]]


async def test_backups_are_for_admins(anon_client: httpx.AsyncClient, client_as: ClientAs) -> None:
    assert (await anon_client.get("/api/v1/backups")).status_code == 401
    manager = await client_as(Role.MANAGER)
    for method, path in (("GET", "/api/v1/backups"), ("POST", "/api/v1/backups"), ("POST", "/api/v1/settings/export")):
        assert (await manager.request(method, path, json={})).status_code == 403


async def test_settings_export_and_import(client: httpx.AsyncClient) -> None:
    await client.patch(
        "/api/v1/settings", json={"library.naming_template": "{artist}/{title}", "providers.imvdb.api_key": "k-123"}
    )
    plain = (await client.post("/api/v1/settings/export", json={})).json()
    assert plain["settings"]["library.naming_template"] == "{artist}/{title}"
    assert plain["secrets"] == {}
    assert plain["secrets_left_out"] == ["providers.imvdb.api_key"]
    sealed = (await client.post("/api/v1/settings/export", json={"passphrase": "export passphrase"})).json()
    assert "k-123" not in str(sealed)
    assert set(sealed["secrets"]) == {"providers.imvdb.api_key"}
    assert (await client.post("/api/v1/settings/export", json={"passphrase": "short"})).status_code == 422

    await client.patch("/api/v1/settings", json={"library.naming_template": None, "providers.imvdb.api_key": None})
    bad = await client.post("/api/v1/settings/import", json={"document": sealed, "passphrase": "wrong one"})
    assert bad.status_code == 422
    without = (await client.post("/api/v1/settings/import", json={"document": sealed})).json()
    assert without["secrets_skipped"] == ["providers.imvdb.api_key"]
    imported = await client.post(
        "/api/v1/settings/import", json={"document": sealed, "passphrase": "export passphrase"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == ["library.naming_template", "providers.imvdb.api_key"]
    values = {s["key"]: s for s in (await client.get("/api/v1/settings")).json()}
    assert values["library.naming_template"]["value"] == "{artist}/{title}"
    assert values["providers.imvdb.api_key"]["is_set"]
    invalid = {**plain, "settings": {"library.naming_template": ""}}
    assert (await client.post("/api/v1/settings/import", json={"document": invalid})).status_code == 422
