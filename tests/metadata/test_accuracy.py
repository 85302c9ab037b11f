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


async def enriched_artist(client: httpx.AsyncClient, db: Database, name: str, **fields: Any) -> dict[str, Any]:
    artist = await quiet_artist(client, name, **fields)
    job = await finished(db, await client.post(f"/api/v1/artists/{artist['id']}/enrich"))
    assert job.result is not None
    body = (await client.get(f"/api/v1/artists/{artist['id']}")).json()
    return {"job": job.result, **body}


async def test_the_imvdb_slug_musicbrainz_links_is_resolved_and_tags_that_are_not_genres_dropped(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await enriched_artist(client, db, "Daft Punk")
    assert artist["job"]["counts"] == {"matched": 1}
    assert artist["musicbrainz_id"] == DAFT_PUNK.mbid
    # MusicBrainz links https://imvdb.com/n/daft-punk: the slug is looked up, then the entity by number.
    imvdb = [(r.path, r.query.get("q")) for r in fake_upstream.sent("imvdb")]
    assert ("/search/entities", "daft punk") in imvdb
    assert ("/entity/1001", None) in imvdb
    assert artist["imvdb_id"] == 1001
    assert artist["field_provenance"]["imvdb_id"]["confidence"] == 1.0
    assert {g.casefold() for g in artist["genres"]} == {"electronic", "house", "french house"}


async def test_an_imvdb_slug_no_entity_has_falls_back_to_a_search(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await enriched_artist(client, db, "Daft Punk", imvdb_slug="daft-punk-1")
    assert artist["job"]["failed_providers"] == {}
    assert artist["imvdb_id"] == 1001
    searched = [r.query.get("q") for r in fake_upstream.sent("imvdb") if r.path == "/search/entities"]
    assert searched == ["daft punk 1", "Daft Punk"]


async def test_an_artist_known_by_a_latin_alias_matches_its_native_script_record(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    artist = await enriched_artist(client, db, "Hikaru Utada")
    assert artist["musicbrainz_id"] == ARTISTS[2].mbid
    assert artist["field_provenance"]["musicbrainz_id"]["confidence"] == 1.0
    assert artist["name"] == "Hikaru Utada"  # the user's name stays


async def test_namesakes_wait_for_a_person_unless_the_disambiguation_tells_them_apart(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    plain = await enriched_artist(client, db, "Nirvana")
    assert plain["job"]["counts"] == {"review": 1}
    assert plain["musicbrainz_id"] is None
    review = (await client.get("/api/v1/metadata/review", params={"kind": "artist"})).json()["items"]
    names = [(c["name"], c["disambiguation"]) for c in review[0]["candidates"] if c["provider"] == "musicbrainz"]
    assert ("Nirvana", "90s US grunge band") in names
    assert ("Nirvana", "60s band from the UK") in names
    told = await enriched_artist(client, db, "Nirvana", disambiguation="US grunge band")
    assert told["job"]["counts"] == {"matched": 1}
    assert told["musicbrainz_id"] == "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


async def test_musicbrainz_is_never_asked_more_than_once_a_second(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    """The fake answers 503 as musicbrainz.org does to requests above its rate.

    The client spaces its requests a second apart; on a loaded machine one can arrive up to a few
    hundred milliseconds late and the next on time, so the fake refuses what is clearly too soon.
    """
    fake_upstream.set("musicbrainz", min_interval_s=0.5)
    await enriched_artist(client, db, "Björk")
    artist = (await client.get("/api/v1/artists", params={"q": "Björk"})).json()["items"][0]
    video = await make_video(client, artist["id"], "All Is Full of Love", duration_s=252)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["failed_providers"] == {}
    assert len(fake_upstream.sent("musicbrainz")) >= 2
    assert fake_upstream.knobs["musicbrainz"].refused == 0


async def test_an_artist_named_after_a_joint_credit_is_reviewed_with_the_reason(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    """No provider knows "Daft Punk & Björk" as one artist: it is never matched to either."""
    artist = await enriched_artist(client, db, "Daft Punk & Björk")
    assert artist["musicbrainz_id"] is None
    assert artist["job"]["counts"] == {"review": 1}
    review = (await client.get("/api/v1/metadata/review", params={"kind": "artist"})).json()["items"]
    reasons = {c["name"]: c["reason"] for c in review[0]["candidates"] if c["provider"] == "musicbrainz"}
    assert reasons["Daft Punk"] == "'Daft Punk & Björk' looks like a joint credit: Daft Punk is one of its artists"


async def test_recordings_credited_in_native_script_match_an_artist_known_by_its_musicbrainz_id(
    client: httpx.AsyncClient, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    """ "Hikaru Utada" (matched by a MusicBrainz alias) has recordings credited 宇多田ヒカル: the credit's
    artist id is the artist's, so the spelling does not count; IMVDb's video, credited 宇多田ヒカル with
    no id to compare, is not applied on a Han reading."""
    utada = ARTISTS[2]
    artist = await quiet_artist(client, "Hikaru Utada", musicbrainz_id=utada.mbid)
    video = await make_video(client, artist["id"], "First Love", duration_s=257)
    job = await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    assert job.result is not None
    assert job.result["counts"] == {"matched": 1}
    body = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert body["musicbrainz_recording_id"] == utada.videos[0].recording_mbid
    assert body["field_provenance"]["musicbrainz_recording_id"]["provider"] == "musicbrainz"
    assert body["imvdb_id"] is None
