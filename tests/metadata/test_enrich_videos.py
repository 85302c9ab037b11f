"""Video enrichment against the fake upstream: match, merge with provenance, locks, review, fallback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.models import Job, JobLog, MatchReview
from tests.factories import make_video
from tests.fakes.upstream import FakeUpstream
from tests.metadata.conftest import finished, set_settings

pytestmark = pytest.mark.anyio


async def quiet_artist(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    """An artist added without starting its own enrichment."""
    response = await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    assert "x-job-id" not in response.headers
    return dict(response.json())


async def test_enrich_a_video_fills_fields_with_provenance(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around The World (Official Music Video) [4K]")
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.type == "video.enrich"
    assert job.result == {"counts": {"matched": 1}, "failed_providers": {}}
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["title"] == "Around the World"
    assert body["directors"] == ["Michel Gondry"]
    assert body["producers"] == ["Julie Fong"]
    assert (body["year"], body["release_date"]) == (1997, "1997-04-07")
    assert body["imvdb_id"] == 5001
    assert body["youtube_id"] == "LKYPYj2XX80"
    assert body["album"] == "Homework"
    assert body["musicbrainz_recording_id"] == "7d4b8ef2-9b0e-4b9a-a6b4-3f1b9c8e0a11"
    provenance = body["field_provenance"]
    # IMVDb first for directors and dates, MusicBrainz for the recording id and the album.
    assert provenance["directors"]["provider"] == "imvdb"
    assert provenance["release_date"]["provider"] == "imvdb"
    assert provenance["musicbrainz_recording_id"]["provider"] == "musicbrainz"
    assert provenance["album"]["provider"] == "musicbrainz"
    assert 0.85 <= provenance["directors"]["confidence"] <= 1.0
    assert body["last_enriched_at"] is not None
    # The providers were asked for the song, not the decorated title.
    searches = [r for r in fake_upstream.sent("imvdb") if r.path == "/search/videos"]
    assert searches
    assert "Official" not in searches[0].query["q"]
    assert "Around The World" in searches[0].query["q"]


async def test_locked_fields_are_never_overwritten(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    edited = await client.patch(f"/api/v1/videos/{video['id']}", json={"year": 2001, "directors": ["Someone Else"]})
    assert sorted(edited.json()["locked_fields"]) == ["directors", "year"]
    await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["year"] == 2001
    assert body["directors"] == ["Someone Else"]
    assert body["release_date"] == "1997-04-07"  # not locked: filled
    assert "year" not in body["field_provenance"]
    assert "directors" not in body["field_provenance"]


async def test_a_failing_provider_falls_back_to_the_next(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.set("imvdb", mode="500")
    artist = await quiet_artist(client, "Björk")
    video = await make_video(client, artist["id"], "All Is Full of Love")
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert "imvdb" in job.result["failed_providers"]
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    # MusicBrainz is next in line for the year and the album.
    assert body["year"] == 1999
    assert body["field_provenance"]["year"]["provider"] == "musicbrainz"
    assert body["album"] == "Homogenic"
    assert body["directors"] == []
    async with db.reader() as session:
        lines = (await session.scalars(select(JobLog.message).where(JobLog.job_id == job.id))).all()
    assert any("imvdb failed" in line and "next provider" in line for line in lines)


async def test_weak_matches_wait_for_review_and_a_hand_match_applies(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    await set_settings(client, **{"metadata.match_threshold": 0.99})
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the Worlds", duration_s=300)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"review": 1}
    listed = (await client.get("/api/v1/metadata/review", params={"kind": "video"})).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["kind"] == "video"
    assert item["video"]["id"] == video["id"]
    assert item["video"]["artist"]["name"] == "Daft Punk"
    assert item["query"]["title"] == "Around the Worlds"
    confidences = [c["confidence"] for c in item["candidates"]]
    assert confidences == sorted(confidences, reverse=True)
    assert 0.5 < confidences[0] < 0.99
    assert item["best_confidence"] == confidences[0]
    best = item["candidates"][0]
    assert best["title"] == "Around the World"
    assert best["provider"] in ("imvdb", "musicbrainz")
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["directors"] == []
    assert (await client.get("/api/v1/metadata/review", params={"kind": "artist"})).json()["total"] == 0

    matched = await client.put(f"/api/v1/videos/{video['id']}/match", json={"provider": "imvdb", "provider_id": "5001"})
    assert matched.status_code == 200, matched.text
    assert matched.json()["field"] == "imvdb_id"
    assert (await client.get("/api/v1/metadata/review")).json()["total"] == 0
    await finished(db, httpx.Response(202, json={"id": matched.json()["job_id"]}))
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["imvdb_id"] == 5001
    assert "imvdb_id" in body["locked_fields"]
    assert body["field_provenance"]["imvdb_id"]["provider"] == "user"
    assert body["directors"] == ["Michel Gondry"]
    assert body["field_provenance"]["directors"]["confidence"] == 1.0


async def test_no_candidate_at_all_is_unmatched_not_reviewed(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Nobody Known")
    video = await make_video(client, artist["id"], "Silence")
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"unmatched": 1}
    assert (await client.get("/api/v1/metadata/review")).json()["total"] == 0
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["last_enriched_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "imvdb", "provider_id": "abc"}, "IMVDb video id is a number"),
        ({"provider": "musicbrainz", "provider_id": "not-a-uuid"}, "MusicBrainz id is a lower-case UUID"),
        ({"provider": "youtube", "provider_id": "short"}, "YouTube video id has 11 characters"),
        ({"provider": "spotify", "provider_id": "4tZwfgrHOc3mvqYlEYSvVi"}, "provider"),
        ({"provider": "imvdb"}, "provider_id"),
    ],
)
async def test_bad_hand_matches_are_422(client: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    response = await client.put(f"/api/v1/videos/{video['id']}/match", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


async def test_enrich_and_match_of_missing_things_are_404(client: httpx.AsyncClient, db: Database) -> None:
    assert (await client.post("/api/v1/videos/999/enrich")).status_code == 404
    assert (await client.post("/api/v1/artists/999/enrich")).status_code == 404
    body = {"provider": "imvdb", "provider_id": "5001"}
    assert (await client.put("/api/v1/videos/999/match", json=body)).status_code == 404
    assert (
        await client.put("/api/v1/artists/999/match", json={"provider": "wikidata", "provider_id": "Q1"})
    ).status_code == 404
    async with db.reader() as session:
        assert (await session.scalars(select(Job.id))).all() == []
        assert (await session.scalars(select(MatchReview.id))).all() == []


async def test_enrich_twice_while_queued_is_one_job(client: httpx.AsyncClient) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    first = await client.post(f"/api/v1/videos/{video['id']}/enrich")
    second = await client.post(f"/api/v1/videos/{video['id']}/enrich")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["params"] == {"video_ids": [video["id"]]}


async def test_an_enrichment_that_could_ask_no_provider_fails_and_says_what_to_do(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    from mvidarr.models import JobStatus
    from mvidarr.providers.models import PROVIDER_NAMES
    from tests.jobs.helpers import wait_for

    await set_settings(client, **{f"providers.{name}.enabled": False for name in PROVIDER_NAMES})
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around The World")
    response = await client.post(f"/api/v1/videos/{video['id']}/enrich")
    assert response.status_code == 202, response.text
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.FAILED, "never a silent success"
    assert job.error is not None
    assert "no metadata provider could be asked" in job.error
    assert "Settings -> Providers" in job.error
    assert not any(fake_upstream.sent(name) for name in PROVIDER_NAMES)
