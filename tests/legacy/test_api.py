"""POST /api/v1/legacy-import: admins only, the network policy on the URL's host, the password
never shown, the dry run's report as the job's result."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import Job, JobLog, Role, RootFolder, Video
from tests.conftest import ClientAs, allow_private_hosts
from tests.fixtures.legacy097 import LegacyDatabase, Realistic
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio
PASSWORD = "s3cret-legacy-pw"


def with_password(legacy_db: LegacyDatabase) -> str:
    # The test server's root has no password; the URL's is only there to be kept secret.
    return legacy_db.url.replace("mysql://root@", f"mysql://root:{PASSWORD}@")


async def test_only_admins_may_start_it(client_as: ClientAs, legacy_db: LegacyDatabase) -> None:
    manager = await client_as(Role.MANAGER)
    response = await manager.post("/api/v1/legacy-import", json={"url": legacy_db.url})
    assert response.status_code == 403


async def test_a_private_host_needs_the_allow_list(client: httpx.AsyncClient, legacy_db: LegacyDatabase) -> None:
    response = await client.post("/api/v1/legacy-import", json={"url": with_password(legacy_db)})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("network-refused")
    assert PASSWORD not in response.text


async def test_a_url_that_is_no_mysql_url_is_refused(client: httpx.AsyncClient, app: Any) -> None:
    await allow_private_hosts(app, ["127.0.0.1"])
    response = await client.post("/api/v1/legacy-import", json={"url": "postgresql://u:p@127.0.0.1/db"})
    assert response.status_code == 422
    assert "mysql://" in response.text


async def test_dry_run_job_reports_and_never_shows_the_password(
    client: httpx.AsyncClient, app: Any, db: Database, runner: Runner, legacy_db: LegacyDatabase, realistic: Realistic
) -> None:
    await allow_private_hosts(app, ["127.0.0.1"])
    async with db.writer() as session:
        session.add(RootFolder(path=str(realistic.library), name="Library"))
        await session.commit()
    url = legacy_db.url  # no password: the server's root has none
    response = await client.post(
        "/api/v1/legacy-import",
        json={"url": url, "dry_run": True, "path_maps": [f"data/musicvideos={realistic.library}"]},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    job = await wait_for(db, job_id, within_s=60)
    assert job.status == "succeeded", (job.error, job.error_detail)
    assert job.result is not None
    assert job.result["dry_run"] is True
    assert job.result["kinds"]["videos"]["total"] == 10
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Video)) == 0
    shown = await client.get(f"/api/v1/jobs/{job_id}")
    assert shown.status_code == 200
    assert shown.json()["params"]["source"].startswith("mysql://root@127.0.0.1:")


async def test_the_password_is_sealed_in_the_job(
    client: httpx.AsyncClient, app: Any, db: Database, legacy_db: LegacyDatabase
) -> None:
    await allow_private_hosts(app, ["127.0.0.1"])
    response = await client.post("/api/v1/legacy-import", json={"url": with_password(legacy_db)})
    assert response.status_code == 202, response.text
    assert PASSWORD not in response.text
    async with db.reader() as session:
        job = await session.get(Job, response.json()["id"])
        assert job is not None
        stored = orjson.dumps(job.params).decode()
        logs = list((await session.execute(select(JobLog.message))).scalars())
    assert PASSWORD not in stored
    assert job.params["source"].startswith("mysql://root:***@")
    assert not any(PASSWORD in line for line in logs)


async def test_a_refused_sign_in_fails_the_job_with_its_reason_and_no_password(
    client: httpx.AsyncClient, app: Any, db: Database, runner: Runner, legacy_db: LegacyDatabase
) -> None:
    await allow_private_hosts(app, ["127.0.0.1"])
    url = legacy_db.url.replace("mysql://root@", "mysql://nobody@")
    response = await client.post("/api/v1/legacy-import", json={"url": url, "password": PASSWORD})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == "failed"
    assert job.error is not None
    assert "cannot connect to mysql://nobody:***@127.0.0.1" in job.error
    assert PASSWORD not in orjson.dumps({"error": job.error, "detail": job.error_detail, "params": job.params}).decode()
