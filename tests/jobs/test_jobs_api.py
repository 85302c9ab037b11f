"""The jobs API without workers: validation, listing, cancel and retry rules, de-duplication."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service
from mvidarr.models import Job, JobStatus, Role
from tests.conftest import ClientAs
from tests.jobs.helpers import load

pytestmark = pytest.mark.anyio


async def start(client: httpx.AsyncClient, job_type: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
    response = await client.post("/api/v1/jobs", json={"type": job_type, "params": params or {}, **extra})
    assert response.status_code == 202, response.text
    return response.json()


async def test_types_list_params_schemas(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/jobs/types")
    assert response.status_code == 200
    types = {t["type"]: t for t in response.json()}
    prune = types["system.prune_jobs"]
    assert prune["required_role"] == "admin"
    assert prune["concurrency"] == 1
    assert prune["dedupe"] is True
    assert "retention_days" in prune["params_schema"]["properties"]
    assert types["test.sleep"]["required_role"] == "user"


async def test_bad_input_is_refused(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/api/v1/jobs", json={"type": "video.nope", "params": {}})
    assert unknown.status_code == 404
    assert "video.nope" in unknown.json()["detail"]
    wrong = await client.post("/api/v1/jobs", json={"type": "test.sleep", "params": {"seconds": "soon", "x": 1}})
    assert wrong.status_code == 422
    locs = [e["loc"] for e in wrong.json()["errors"]]
    assert ["body", "params", "seconds"] in locs
    assert ["body", "params", "x"] in locs
    huge = await client.post("/api/v1/jobs", json={"type": "test.sleep", "params": {"label": "x" * 70_000}})
    assert huge.status_code == 413
    enormous = await client.post(
        "/api/v1/jobs",
        content=b'{"type": "test.sleep", "params": {"label": "' + b"x" * 2_000_000 + b'"}}',
        headers={"Content-Type": "application/json"},
    )
    assert enormous.status_code == 413
    priority = await client.post("/api/v1/jobs", json={"type": "test.sleep", "priority": 1000})
    assert priority.status_code == 422


async def test_jobs_need_credentials(anon_client: httpx.AsyncClient) -> None:
    assert (await anon_client.get("/api/v1/jobs")).status_code == 401
    assert (await anon_client.post("/api/v1/jobs", json={"type": "test.sleep"})).status_code == 401


async def test_create_get_list_filters_newest_first(client: httpx.AsyncClient) -> None:
    first = await start(client, "test.sleep", {"seconds": 1})
    assert first["status"] == "queued"
    assert first["created_by"] == 1
    assert first["max_attempts"] == 1
    second = await start(client, "test.progress", priority=5)
    assert second["priority"] == 5
    got = await client.get(f"/api/v1/jobs/{first['id']}")
    assert got.json()["params"] == {"seconds": 1.0, "label": ""}
    listing = (await client.get("/api/v1/jobs")).json()
    assert [j["id"] for j in listing["items"]] == [second["id"], first["id"]]
    assert listing["total"] == 2
    by_type = (await client.get("/api/v1/jobs", params={"type": "test.sleep"})).json()
    assert [j["id"] for j in by_type["items"]] == [first["id"]]
    by_status = (await client.get("/api/v1/jobs", params={"status": ["succeeded", "failed"]})).json()
    assert by_status["items"] == []
    paged = (await client.get("/api/v1/jobs", params={"page": 2, "page_size": 1})).json()
    assert [j["id"] for j in paged["items"]] == [first["id"]]
    assert paged["total"] == 2
    assert (await client.get("/api/v1/jobs/999999")).status_code == 404
    assert (await client.get("/api/v1/jobs/999999/logs")).status_code == 404


async def test_cancel_and_retry_rules(client: httpx.AsyncClient) -> None:
    job = await start(client, "test.sleep", {"seconds": 5})
    retry_queued = await client.post(f"/api/v1/jobs/{job['id']}/retry")
    assert retry_queued.status_code == 409
    cancelled = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"] is not None
    again = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert again.status_code == 409
    retried = await client.post(f"/api/v1/jobs/{job['id']}/retry")
    assert retried.status_code == 202
    assert retried.json()["status"] == "queued"
    assert retried.json()["finished_at"] is None


async def test_identical_active_jobs_are_deduplicated(client: httpx.AsyncClient) -> None:
    one = await start(client, "test.dedupe", {"seconds": 1})
    two = await start(client, "test.dedupe", {"seconds": 1})
    other = await start(client, "test.dedupe", {"seconds": 2})
    assert one["id"] == two["id"]
    assert other["id"] != one["id"]
    await client.post(f"/api/v1/jobs/{one['id']}/cancel")
    three = await start(client, "test.dedupe", {"seconds": 1})
    assert three["id"] != one["id"]
    # The cancelled twin cannot come back while an identical job is active.
    assert (await client.post(f"/api/v1/jobs/{one['id']}/retry")).status_code == 409


async def test_enqueue_is_part_of_the_callers_transaction(app: Any, db: Database) -> None:
    hub: EventHub = app.state.events
    subscription = hub.subscribe({"jobs"})
    try:
        async with db.writer() as session:
            job, _ = await service.enqueue(session, hub, "test.sleep", {"seconds": 0})
            dropped_id = job.id
            await session.rollback()
        async with db.reader() as session:
            assert await session.get(Job, dropped_id) is None
        async with db.writer() as session:
            job, _ = await service.enqueue(session, hub, "test.sleep", {"seconds": 0})
            await session.commit()
        assert (await load(db, job.id)).status == JobStatus.QUEUED
        payload = await asyncio.wait_for(subscription.queue.get(), 5)
        assert payload is not None
        assert b'"job.created"' in payload
        assert f'"id":{job.id},'.encode() in payload
        assert subscription.queue.empty()
    finally:
        subscription.close()


async def test_a_user_may_only_start_types_of_their_role(client_as: ClientAs) -> None:
    user = await client_as(Role.USER)
    allowed = await user.post("/api/v1/jobs", json={"type": "test.sleep"})
    assert allowed.status_code == 202, allowed.text
    refused = await user.post("/api/v1/jobs", json={"type": "system.prune_jobs"})
    assert refused.status_code == 403
    assert (await user.post(f"/api/v1/jobs/{allowed.json()['id']}/cancel")).status_code == 200
    other = await client_as(Role.USER)
    assert (await other.post(f"/api/v1/jobs/{allowed.json()['id']}/retry")).status_code == 403
    readonly = await client_as(Role.READONLY)
    assert (await readonly.get("/api/v1/jobs")).status_code == 200
    assert (await readonly.post("/api/v1/jobs", json={"type": "test.sleep"})).status_code == 403
