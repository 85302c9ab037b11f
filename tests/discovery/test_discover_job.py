"""`artist.discover` end to end: the providers' clients against the fake upstream, through the job runner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from mvidarr.db import Database
from mvidarr.models import Artist
from tests.discovery.conftest import finished
from tests.factories import make_artist
from tests.fakes.upstream import FakeUpstream
from tests.notifications.helpers import outbox

pytestmark = pytest.mark.anyio


async def _videos(client: httpx.AsyncClient, artist_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/artists/{artist_id}/videos", params={"sort": "title"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_discovery_merges_sources_and_a_second_run_adds_nothing(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await make_artist(client, "Daft Punk", imvdb_id=1001, audiodb_id="111492")
    job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert job.result is not None
    assert job.result["sources"] == ["imvdb", "theaudiodb"]
    assert (job.result["added"], job.result["ignored"]) == (2, 0)
    videos = await _videos(client, artist["id"])
    assert [(v["title"], v["status"]) for v in videos] == [("Around the World", "wanted"), ("Get Lucky", "wanted")]
    full = (await client.get(f"/api/v1/videos/{videos[0]['id']}")).json()
    assert full["imvdb_id"] == 5001
    assert full["youtube_id"] == "LKYPYj2XX80"
    assert {s["kind"] for s in full["sources"]} >= {"imvdb", "youtube"}

    again = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert again.result is not None
    assert (again.result["added"], again.result["existing"]) == (0, 2)
    assert [v["id"] for v in await _videos(client, artist["id"])] == [v["id"] for v in videos]
    discovered = await outbox(db, "videos.discovered")
    assert [(e["artist"], e["added"]) for e in discovered] == [("Daft Punk", 2)], "the second run added nothing"

    # A deleted video stays deleted.
    assert (await client.delete(f"/api/v1/videos/{videos[1]['id']}")).status_code == 204
    third = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert third.result is not None
    assert (third.result["added"], third.result["removed"]) == (0, 1)
    assert [v["title"] for v in await _videos(client, artist["id"])] == ["Around the World"]
    assert fake_upstream.sent("imvdb")
    assert fake_upstream.sent("theaudiodb")


async def test_preview_shows_what_would_happen_without_writing(
    app: Any, client: httpx.AsyncClient, provider_hub_on_fake: Any
) -> None:
    app.state.providers = provider_hub_on_fake
    artist = await make_artist(client, "Daft Punk", imvdb_id=1001, audiodb_id="111492", min_year=2000)
    response = await client.get(f"/api/v1/artists/{artist['id']}/discover/preview")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sources_asked"] == ["imvdb", "theaudiodb"]
    plan = {i["title"]: (i["action"], i["reason"], sorted(i["sources"])) for i in body["items"]}
    assert plan == {
        "Around the World": ("ignore", "released in 1997, before 2000", ["imvdb", "theaudiodb"]),
        "Get Lucky": ("add", None, ["imvdb", "theaudiodb"]),
    }
    assert await _videos(client, artist["id"]) == []


async def test_a_failing_provider_is_reported_and_the_others_still_count(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.set("imvdb", mode="500")
    artist = await make_artist(client, "Daft Punk", imvdb_id=1001, audiodb_id="111492")
    job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert job.result is not None
    assert job.result["sources"] == ["theaudiodb"]
    assert "imvdb" in job.result["errors"]
    assert len(await _videos(client, artist["id"])) == 2


async def _set_discovered(db: Database, artist_id: int, when: datetime | None) -> None:
    async with db.writer() as session:
        await session.execute(update(Artist).where(Artist.id == artist_id).values(last_discovered_at=when))
        await session.commit()


async def _children(client: httpx.AsyncClient, job_id: int) -> list[int]:
    body = (await client.get("/api/v1/jobs", params={"parent_id": job_id, "page_size": 100})).json()
    return sorted(j["params"]["artist_id"] for j in body["items"])


async def test_scheduled_discovery_takes_the_oldest_checked_share_of_monitored_artists(
    client: httpx.AsyncClient, db: Database, runner: Any
) -> None:
    now = datetime.now(UTC)
    artists = [await make_artist(client, f"Artist {n}") for n in range(5)]
    quiet = await make_artist(client, "Not Monitored", monitored=False)
    await _set_discovered(db, artists[0]["id"], now - timedelta(hours=30))
    await _set_discovered(db, artists[1]["id"], now - timedelta(hours=40))
    await _set_discovered(db, artists[2]["id"], now - timedelta(hours=1))  # not due
    await _set_discovered(db, artists[3]["id"], now - timedelta(hours=25))
    await _set_discovered(db, artists[4]["id"], None)  # never discovered: first

    # Every 2 hours, each monitored artist: an hourly run takes ceil(5 / 2) = 3, oldest-checked first.
    assert (await client.patch("/api/v1/settings", json={"discovery.interval_hours": 2})).status_code == 200
    run = await client.post("/api/v1/jobs", json={"type": "library.discover", "params": {}})
    job = await finished(db, run)
    assert job.result is not None
    assert (job.result["started"], job.result["monitored"]) == (3, 5)
    assert await _children(client, job.id) == sorted([artists[4]["id"], artists[1]["id"], artists[0]["id"]])

    everything = await finished(
        db, await client.post("/api/v1/jobs", json={"type": "library.discover", "params": {"all_due": True}})
    )
    # The first run's artists were just discovered: what is still due is artist 3 (and not the unmonitored one).
    assert await _children(client, everything.id) == [artists[3]["id"]]
    assert quiet["id"] not in await _children(client, everything.id)

    assert (await client.patch("/api/v1/settings", json={"discovery.interval_hours": 0})).status_code == 200
    off = await finished(db, await client.post("/api/v1/jobs", json={"type": "library.discover", "params": {}}))
    assert off.result is not None
    assert off.result["started"] == 0


async def test_the_default_filters_setting_applies_to_artists_without_their_own(
    client: httpx.AsyncClient, db: Database, runner: Any
) -> None:
    bad = await client.patch("/api/v1/settings", json={"discovery.default_filters": {"kinds": ["karaoke"]}})
    assert bad.status_code == 422
    ok = await client.patch(
        "/api/v1/settings", json={"discovery.default_filters": {"kinds": ["official"], "min_year": 2000}}
    )
    assert ok.status_code == 200, ok.text
    artist = await make_artist(client, "Daft Punk", imvdb_id=1001)
    job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert job.result is not None
    assert (job.result["added"], job.result["ignored"]) == (1, 1)
    skipped = (await client.get(f"/api/v1/artists/{artist['id']}/videos", params={"status": "ignored"})).json()
    assert [v["title"] for v in skipped["items"]] == ["Around the World"]


async def test_an_artist_no_source_knows_is_a_warning_not_a_silent_success(
    client: httpx.AsyncClient, db: Database, runner: Any
) -> None:
    artist = await make_artist(client, "Nobody Knows Me")
    job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/discover"))
    assert job.result is not None
    assert job.result["sources"] == []
    assert job.result["warning"].startswith("warning: no source knows Nobody Knows Me")
    assert job.message is not None
    assert job.message.startswith("warning: no source knows"), "the history shows the warning"


async def test_a_discovery_that_could_ask_no_source_fails_with_the_reasons(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    from mvidarr.models import JobStatus
    from tests.jobs.helpers import load

    fake_upstream.set("imvdb", mode="500")
    artist = await make_artist(client, "Daft Punk", imvdb_id=1001)
    response = await client.post(f"/api/v1/artists/{artist['id']}/discover")
    job_id = response.json()["id"]
    for _ in range(3000):
        job = await load(db, job_id)
        if job.attempts >= 1 and job.status != JobStatus.RUNNING:
            break
        await asyncio.sleep(0.02)
    assert job.status in (JobStatus.QUEUED, JobStatus.FAILED), "not a success"
    assert job.error is not None
    assert job.error.startswith("RetryableJobError: no source could be asked for Daft Punk's videos: imvdb:")
    assert "imvdb: imvdb" not in job.error, "the provider is named once"
    if job.status == JobStatus.QUEUED:
        assert job.message is not None
        assert "failed, retrying: RetryableJobError: no source could be asked" in job.message
