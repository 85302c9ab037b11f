"""Saved import lists: kept with write-only credentials, previewed and synced by hand, and synced on a
schedule by `imports.sync_due` (which records what each sync did on its list)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from tests.factories import make_artist
from tests.imports.conftest import LIDARR_KEY
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=2, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)


async def test_a_saved_list_is_previewed_synced_and_hides_its_key(
    client: httpx.AsyncClient, lidarr: dict[str, Any]
) -> None:
    await make_artist(client, "Queen")
    body = {"name": "Home Lidarr", "source": "lidarr", "url": lidarr["url"], "api_key": LIDARR_KEY}
    created = await client.post("/api/v1/import/lists", json=body)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert (saved["api_key_set"], saved["enabled"], saved["sync_interval_hours"]) == (True, True, 24)
    assert "api_key" not in saved
    assert saved["last_synced_at"] is None
    assert LIDARR_KEY not in (await client.get("/api/v1/import/lists")).text

    preview = await client.post(f"/api/v1/import/lists/{saved['id']}/sync", json={"dry_run": True})
    assert preview.status_code == 200, preview.text
    assert [(a["name"], a["action"]) for a in preview.json()["artists"]] == [
        ("Queen", "existing"), ("Björk", "add"), ("Daft Punk", "add"),
    ]  # fmt: skip
    assert (await client.get("/api/v1/artists")).json()["total"] == 1
    [listed] = (await client.get("/api/v1/import/lists")).json()
    assert listed["last_synced_at"] is None, "a preview is not a sync"

    synced = await client.post(f"/api/v1/import/lists/{saved['id']}/sync", json={})
    assert synced.json()["added"] == 2
    [listed] = (await client.get("/api/v1/import/lists")).json()
    assert listed["last_added"] == 2
    assert listed["last_synced_at"] is not None
    assert lidarr["requests"][-1] == ("/api/v1/artist", LIDARR_KEY)


async def test_list_fields_are_validated(client: httpx.AsyncClient, lidarr: dict[str, Any]) -> None:
    no_key = await client.post("/api/v1/import/lists", json={"name": "L", "source": "lidarr", "url": lidarr["url"]})
    assert no_key.status_code == 422
    assert no_key.json()["errors"][0]["type"] == "conflict"
    body = {"name": "Mine", "source": "lastfm", "user": "someone"}
    saved = (await client.post("/api/v1/import/lists", json=body)).json()
    twice = await client.post("/api/v1/import/lists", json=body)
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["type"] == "conflict"
    assert (
        await client.post("/api/v1/import/lists", json={**body, "name": "x", "sync_interval_hours": 0})
    ).status_code == 422
    changed = await client.patch(f"/api/v1/import/lists/{saved['id']}", json={"enabled": False, "name": "Last.fm"})
    assert (changed.json()["enabled"], changed.json()["name"]) == (False, "Last.fm")
    assert (await client.patch(f"/api/v1/import/lists/{saved['id']}", json={"name": None})).status_code == 422
    assert (await client.patch("/api/v1/import/lists/999", json={"enabled": True})).status_code == 404
    assert (await client.delete(f"/api/v1/import/lists/{saved['id']}")).status_code == 204
    assert (await client.get("/api/v1/import/lists")).json() == []
    assert (await client.post(f"/api/v1/import/lists/{saved['id']}/sync", json={})).status_code == 404


async def test_the_schedule_syncs_enabled_lists_that_are_due(
    client: httpx.AsyncClient, db: Database, runner: Runner, lidarr: dict[str, Any]
) -> None:
    body = {"name": "Due", "source": "lidarr", "url": lidarr["url"], "api_key": LIDARR_KEY}
    due = (await client.post("/api/v1/import/lists", json=body)).json()
    off = (await client.post("/api/v1/import/lists", json={**body, "name": "Off", "enabled": False})).json()
    started = await client.post("/api/v1/jobs", json={"type": "imports.sync_due", "params": {}})
    assert started.status_code == 202, started.text
    job = await wait_for(db, started.json()["id"], within_s=30)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result is not None
    assert job.result["started"] == 1
    lists = {}
    for _ in range(100):
        lists = {item["id"]: item for item in (await client.get("/api/v1/import/lists")).json()}
        if lists[due["id"]]["last_synced_at"] is not None:
            break
        await anyio.sleep(0.2)
    assert lists[due["id"]]["last_added"] == 3
    assert lists[off["id"]]["last_synced_at"] is None
    names = {a["name"] for a in (await client.get("/api/v1/artists")).json()["items"]}
    assert names == {"Queen", "Björk", "Daft Punk"}
    # Synced just now: not due again until its interval has passed.
    again = await client.post("/api/v1/jobs", json={"type": "imports.sync_due", "params": {}})
    result = (await wait_for(db, again.json()["id"], within_s=30)).result
    assert result is not None
    assert result["started"] == 0
