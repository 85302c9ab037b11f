"""Artist enrichment, the artist add flow (lookup, then add), and bulk library enrichment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.jobs.schedules import DEFAULTS
from mvidarr.models import Job
from tests.factories import make_video
from tests.fakes.upstream import FakeUpstream
from tests.jobs.helpers import wait_for
from tests.metadata.conftest import finished

pytestmark = pytest.mark.anyio


async def test_lookup_merges_candidates_across_providers(
    client: httpx.AsyncClient, db: Database, provider_hub_on_fake: Any, fake_upstream: FakeUpstream
) -> None:
    response = await client.get("/api/v1/artists/lookup", params={"q": "Daft Punk"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["failed_providers"] == {}
    first = body["items"][0]
    assert first["name"] == "Daft Punk"
    assert first["confidence"] == 1.0
    assert first["ids"]["musicbrainz"] == "056e4f3e-d505-4dad-8ec1-d04f521cbb56"
    assert first["country"] == "FR"
    assert {"musicbrainz", "imvdb"} <= set(first["providers"])
    assert first["video_count"] == 2
    assert first["artist_id"] is None
    # Every provider that searches artists was asked once.
    assert [r.path for r in fake_upstream.sent("musicbrainz")] == ["/ws/2/artist"]
    assert any(r.path == "/search/entities" for r in fake_upstream.sent("imvdb"))


async def test_lookup_reports_a_failing_provider_and_still_answers(
    client: httpx.AsyncClient, provider_hub_on_fake: Any, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.set("imvdb", mode="html")
    body = (await client.get("/api/v1/artists/lookup", params={"q": "Björk"})).json()
    assert "imvdb" in body["failed_providers"]
    assert body["items"][0]["name"] == "Björk"
    assert (await client.get("/api/v1/artists/lookup", params={"q": ""})).status_code == 422


async def test_add_a_looked_up_artist_enriches_it(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    found = (await client.get("/api/v1/artists/lookup", params={"q": "Björk"})).json()["items"][0]
    fake_upstream.requests.clear()
    created = await client.post(
        "/api/v1/artists", json={"name": found["name"], "musicbrainz_id": found["ids"]["musicbrainz"]}
    )
    assert created.status_code == 201, created.text
    job = await wait_for(db, int(created.headers["x-job-id"]), within_s=60)
    assert job.type == "artist.enrich"
    assert job.status == "succeeded", job.error
    artist = (await client.get(f"/api/v1/artists/{created.json()['id']}")).json()
    assert artist["country"] == "IS"
    assert artist["begin_year"] == 1965
    assert artist["biography"].startswith("Björk Guðmundsdóttir")
    assert artist["wikidata_id"] == "Q42455"
    assert artist["audiodb_id"] == "111304"
    assert artist["spotify_id"] == "7w29UYBi0qsHi5RTcv3lmA"
    assert {g.casefold() for g in artist["genres"]} >= {"art pop", "electronic"}
    provenance = artist["field_provenance"]
    assert provenance["biography"]["provider"] == "wikipedia"
    assert provenance["country"]["provider"] == "musicbrainz"
    assert provenance["genres"]["provider"] == "musicbrainz"
    assert provenance["image"]["url"]
    # The MusicBrainz id was given, so MusicBrainz was asked by id, never searched.
    assert all(r.path != "/ws/2/artist" for r in fake_upstream.sent("musicbrainz"))
    # Looked up again, the candidate is the library's artist now.
    again = (await client.get("/api/v1/artists/lookup", params={"q": "Björk"})).json()["items"][0]
    assert again["artist_id"] == created.json()["id"]


async def test_artist_locks_and_hand_match(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    created = await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Hikaru Utada"})
    artist_id = created.json()["id"]
    await client.patch(f"/api/v1/artists/{artist_id}", json={"biography": "My own words."})
    matched = await client.put(
        f"/api/v1/artists/{artist_id}/match",
        json={"provider": "musicbrainz", "provider_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"},
    )
    assert matched.status_code == 200, matched.text
    await finished(db, httpx.Response(202, json={"id": matched.json()["job_id"]}))
    artist = (await client.get(f"/api/v1/artists/{artist_id}")).json()
    assert artist["biography"] == "My own words."
    assert artist["musicbrainz_id"] == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
    assert {"biography", "musicbrainz_id"} <= set(artist["locked_fields"])
    assert artist["country"] == "JP"
    assert artist["name"] == "Hikaru Utada"
    assert "biography" not in artist["field_provenance"]


async def test_library_enrich_spawns_batches_and_skips_what_is_fresh(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    await client.patch("/api/v1/settings", json={"metadata.batch_size": 2})
    artist = (await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Daft Punk"})).json()
    for title in ("Around the World", "Get Lucky", "Da Funk"):
        await make_video(client, artist["id"], title)
    parent = await finished(db, await client.post("/api/v1/metadata/enrich", json={}), within_s=90)
    assert parent.result is not None
    assert {k: parent.result[k] for k in ("artists", "videos", "jobs")} == {"artists": 1, "videos": 3, "jobs": 3}
    async with db.reader() as session:
        children = (await session.scalars(select(Job).where(Job.parent_id == parent.id).order_by(Job.id))).all()
    assert [c.type for c in children] == ["artist.enrich", "video.enrich", "video.enrich"]
    assert [len(c.params["video_ids"]) for c in children[1:]] == [2, 1]
    assert all(c.status == "succeeded" for c in children)
    # Artists go first: the video jobs are queued only once the artist job has finished.
    artist_done = children[0].finished_at
    assert artist_done is not None
    assert all(c.created_at >= artist_done for c in children[1:])
    videos = (await client.get("/api/v1/videos", params={"sort": "title"})).json()["items"]
    assert all(v["id"] for v in videos)
    lucky = next(v for v in videos if v["title"] == "Get Lucky")
    assert lucky["year"] == 2013
    # Everything is fresh now: a second due-only run queues nothing.
    sent = len(fake_upstream.requests)
    again = await finished(db, await client.post("/api/v1/metadata/enrich", json={"only_due": True}))
    assert again.result is not None
    assert {k: again.result[k] for k in ("artists", "videos", "jobs")} == {"artists": 0, "videos": 0, "jobs": 0}
    assert len(fake_upstream.requests) == sent


def test_bulk_enrichment_is_scheduled_daily() -> None:
    schedule = DEFAULTS["Enrich library metadata"]
    assert schedule.job_type == "library.enrich"
    assert schedule.interval_s == 24 * 3600
