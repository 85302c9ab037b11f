"""`GET /metadata/review?video_id=` / `?artist_id=`: the one entry a video or artist page shows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import MatchReview, Role
from tests.conftest import ClientAs
from tests.factories import make_video
from tests.fakes.upstream import FakeUpstream
from tests.metadata.conftest import finished, set_settings

pytestmark = pytest.mark.anyio


async def test_review_entries_of_one_video_or_artist(
    client: httpx.AsyncClient, client_as: ClientAs, db: Database, runner: Any, fake_upstream: FakeUpstream
) -> None:
    await set_settings(client, **{"metadata.match_threshold": 0.99})
    artist = (await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Daft Punk"})).json()
    doubtful = await make_video(client, artist["id"], "Around the Worlds", duration_s=300)
    other = await make_video(client, artist["id"], "Get Lucki", duration_s=250)
    quiet = await make_video(client, artist["id"], "Not enriched at all")
    for video in (doubtful, other):
        await finished(db, await client.post(f"/api/v1/videos/{video['id']}/enrich"))
    async with db.writer() as session:  # an artist entry too, so the filters have something to leave out
        session.add(MatchReview(artist_id=artist["id"], query={"name": "Daft Punk"}, candidates=[]))
        await session.commit()
    assert (await client.get("/api/v1/metadata/review")).json()["total"] == 3

    reader = await client_as(Role.READONLY)  # the video page shows candidates to every reader
    one = (await reader.get("/api/v1/metadata/review", params={"video_id": doubtful["id"]})).json()
    assert one["total"] == 1
    [item] = one["items"]
    assert item["video"]["id"] == doubtful["id"]
    assert item["candidates"][0]["title"] == "Around the World"
    assert item["candidates"][0]["thumb"]  # what the page shows through the image proxy
    two = (await client.get("/api/v1/metadata/review", params={"video_id": other["id"]})).json()
    assert [i["video"]["id"] for i in two["items"]] == [other["id"]]
    none = (await client.get("/api/v1/metadata/review", params={"video_id": quiet["id"]})).json()
    assert none == {"items": [], "total": 0, "page": 1, "page_size": none["page_size"]}
    by_artist = (await client.get("/api/v1/metadata/review", params={"artist_id": artist["id"]})).json()
    assert [i["kind"] for i in by_artist["items"]] == ["artist"]
    mixed = await client.get("/api/v1/metadata/review", params={"video_id": doubtful["id"], "kind": "artist"})
    assert mixed.json()["total"] == 0

    # Applying the match empties the video's entry.
    applied = await client.put(
        f"/api/v1/videos/{doubtful['id']}/match", json={"provider": "imvdb", "provider_id": "5001"}
    )
    assert applied.status_code == 200, applied.text
    after = (await client.get("/api/v1/metadata/review", params={"video_id": doubtful["id"]})).json()
    assert after["total"] == 0


@pytest.mark.parametrize("params", [{"video_id": "0"}, {"video_id": "x"}, {"artist_id": "-1"}])
async def test_bad_filters_are_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/api/v1/metadata/review", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
