"""Health warnings: each check reports what is wrong with a link to its fix, and goes quiet when
it is fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.backups import service as backups
from mvidarr.db import utcnow
from mvidarr.models import Job, JobStatus, Role, RootFolder
from mvidarr.system import warnings
from tests.conftest import ClientAs

pytestmark = pytest.mark.anyio


async def _warnings(client: httpx.AsyncClient) -> dict[str, list[dict[str, Any]]]:
    answer = await client.get("/api/v1/system/warnings")
    assert answer.status_code == 200, answer.text
    found: dict[str, list[dict[str, Any]]] = {}
    for item in answer.json()["items"]:
        found.setdefault(item["source"], []).append(item)
    return found


async def test_warnings_name_the_problem_and_the_fix(client: httpx.AsyncClient, app: Any, tmp_path: Path) -> None:
    found = await _warnings(client)
    assert found["backups"][0]["message"] == "no backup has been made yet"
    assert found["backups"][0]["fix_url"] == "/system#backups"
    assert "workers" not in found
    assert "root_folders" not in found

    db = app.state.db
    gone = tmp_path / "unplugged-disk"
    async with db.writer() as session:
        session.add(RootFolder(path=str(gone), name="usb"))
        session.add(
            Job(type="system.noop", status=JobStatus.QUEUED, params={}, run_after=utcnow() - timedelta(minutes=9))
        )
        await session.commit()
    app.state.settings.health_min_free_disk_mb = 1024 * 1024 * 1024  # more than any disk here
    found = await _warnings(client)
    assert found["root_folders"][0]["level"] == "error"
    assert str(gone) in found["root_folders"][0]["message"]
    assert found["root_folders"][0]["fix_url"] == "/settings#root-folders"
    assert "no worker is running jobs" in found["workers"][0]["message"]
    assert any(str(app.state.settings.data_dir) in w["message"] for w in found["disk_space"])

    await backups.create(db, app.state.settings, passphrase=None, now=utcnow())
    assert "backups" not in await _warnings(client)


async def test_an_old_yt_dlp_is_reported(app: Any) -> None:
    installed = warnings._yt_dlp_version()
    assert installed is not None
    context = warnings.Context(app.state.db, app.state.settings, None, datetime(2100, 1, 1, tzinfo=UTC))
    found = await warnings._yt_dlp(context)
    assert len(found) == 1
    assert installed in found[0].message
    assert await warnings._yt_dlp(warnings.Context(app.state.db, app.state.settings, None, utcnow())) == []


async def test_only_admins_see_warnings(anon_client: httpx.AsyncClient, client_as: ClientAs) -> None:
    assert (await anon_client.get("/api/v1/system/warnings")).status_code == 401
    assert (await (await client_as(Role.MANAGER)).get("/api/v1/system/warnings")).status_code == 403
