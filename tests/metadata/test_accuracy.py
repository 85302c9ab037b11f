"""Enrichment accuracy against the fake upstream: versions, swapped names, joint credits, scoped searches."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from tests.factories import make_video
from tests.fakes.catalog import ARTISTS
from tests.fakes.upstream import FakeUpstream
from tests.metadata.conftest import finished
from tests.metadata.test_enrich_videos import quiet_artist

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]


async def review_of(client: httpx.AsyncClient, video_id: int) -> dict[str, Any]:
    listed = (await client.get("/api/v1/metadata/review", params={"kind": "video"})).json()
    [item] = [i for i in listed["items"] if i["video"]["id"] == video_id]
    return dict(item)


async def test_a_live_video_is_not_matched_to_the_studio_video(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World (Live at Wireless 2007)", duration_s=240)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"review": 1}
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["directors"] == []  # the studio video's director is not this one's
    item = await review_of(client, video["id"])
    assert item["query"]["kind"] == "live"
    best = item["candidates"][0]
    assert best["title"] == "Around the World"
    assert best["confidence"] <= 0.6
    assert best["reason"] == "version differs: this video is live, the candidate is the main (studio) version"
    page = await client.get("/metadata/review")
    assert "version differs: this video is live" in page.text


async def test_swapped_artist_and_title_are_retried_and_sent_to_review(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Around the World")
    video = await make_video(client, artist["id"], "Daft Punk", duration_s=240)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"review": 1}
    item = await review_of(client, video["id"])
    swapped = [c for c in item["candidates"] if c["reason"] and "swapped" in c["reason"]]
    assert swapped
    assert swapped[0]["title"] == "Around the World"
    assert swapped[0]["reason"] == "artist and title look swapped: found as 'Daft Punk - Around the World'"


async def test_a_joint_credit_matches_its_artists_and_keeps_the_others_featured(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk x Pharrell Williams")
    video = await make_video(client, artist["id"], "Get Lucky", duration_s=369)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"matched": 1}
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["imvdb_id"] == 5002
    assert body["featured_artists"] == ["Nile Rodgers"]


async def test_recording_searches_use_the_artists_musicbrainz_id_once_known(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await quiet_artist(client, "Daft Punk", musicbrainz_id=DAFT_PUNK.mbid)
    video = await make_video(client, artist["id"], "Get Lucky", duration_s=369)
    await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    searches = [r.query["query"] for r in fake_upstream.sent("musicbrainz") if r.path == "/ws/2/recording"]
    assert searches
    assert searches[0].startswith(f"arid:{DAFT_PUNK.mbid} AND recording:")
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["musicbrainz_recording_id"] == DAFT_PUNK.videos[1].recording_mbid
