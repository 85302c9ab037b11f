"""`providers.prune_cache`: answers long expired go, recent and fresh ones stay; it runs daily by default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.config import Settings
from mvidarr.db import Database, utcnow
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus, ProviderCacheEntry
from mvidarr.providers import repository
from tests.discovery.conftest import FAST
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=1, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=1.0)


async def _cache(db: Database, **expired_days_ago: float) -> None:
    now = utcnow()
    async with db.writer() as session:
        for key, days in expired_days_ago.items():
            await repository.store(
                session,
                provider="imvdb",
                key=key,
                request=f"GET /{key}",
                status=200,
                response={"k": key},
                fetched_at=now - timedelta(days=days + 1),
                expires_at=now - timedelta(days=days),
            )
        await session.commit()


async def _keys(db: Database) -> set[str]:
    async with db.reader() as session:
        return set((await session.execute(select(ProviderCacheEntry.request_key))).scalars())


async def _prune(client: httpx.AsyncClient, db: Database, **params: Any) -> Any:
    response = await client.post("/api/v1/jobs", json={"type": "providers.prune_cache", "params": params})
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=20)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


async def test_prunes_answers_expired_longer_ago_than_the_setting(
    client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    await _cache(db, ancient=400, old=40, recent=10, fresh=-1)
    job = await _prune(client, db)
    assert job.result == {"deleted": 2, "keep_days": 30}
    assert await _keys(db) == {"recent", "fresh"}

    response = await client.patch("/api/v1/settings", json={"providers.cache_keep_days": 5})
    assert response.status_code == 200, response.text
    assert (await _prune(client, db)).result == {"deleted": 1, "keep_days": 5}
    assert await _keys(db) == {"fresh"}
    assert (await _prune(client, db, keep_days=0)).result == {"deleted": 0, "keep_days": 0}
    bad = await client.post("/api/v1/jobs", json={"type": "providers.prune_cache", "params": {"keep_days": -1}})
    assert bad.status_code == 422


async def test_a_daily_schedule_is_shipped(client: httpx.AsyncClient) -> None:
    schedules = {s["name"]: s for s in (await client.get("/api/v1/schedules")).json()}
    prune = schedules["Prune the provider cache"]
    assert prune["job_type"] == "providers.prune_cache"
    assert prune["cron"] == "43 4 * * *"
    assert prune["enabled"] is True
