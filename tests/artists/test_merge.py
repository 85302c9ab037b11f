"""Merging two artists: videos (same ids), monitors and genres move; the merged-away artist is gone."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_merge_moves_videos_and_deletes_the_source(client: httpx.AsyncClient) -> None:
    wrong = await make_artist(client, "AC-DC", genres=["hard rock"])
    right = await make_artist(client, "AC/DC", genres=["rock"])
    videos = [await make_video(client, wrong["id"], title) for title in ("Thunderstruck", "Back in Black")]
    own = await make_video(client, right["id"], "Highway to Hell")
    monitor = await client.post(
        "/api/v1/monitors",
        json={"url": "https://www.youtube.com/@acdc", "name": "AC/DC uploads", "artist_id": wrong["id"]},
    )
    assert monitor.status_code == 201, monitor.text

    merged = await client.post(f"/api/v1/artists/{wrong['id']}/merge", json={"into_artist_id": right["id"]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["videos_moved"] == 2
    assert body["merged_name"] == "AC-DC"
    assert body["artist"]["id"] == right["id"]
    assert body["artist"]["video_count"] == 3
    assert sorted(body["artist"]["genres"]) == ["hard rock", "rock"]
    assert (await client.get(f"/api/v1/artists/{wrong['id']}")).status_code == 404
    for video in [*videos, own]:  # the same ids, now of the right artist
        moved = (await client.get(f"/api/v1/videos/{video['id']}")).json()
        assert moved["artist"]["id"] == right["id"]
    assert (await client.get(f"/api/v1/monitors/{monitor.json()['id']}")).json()["artist_id"] == right["id"]
    # Sorted under the artist it now belongs to.
    listed = (await client.get("/api/v1/videos", params={"artist_id": right["id"], "sort": "artist"})).json()
    assert listed["total"] == 3
    audit = (await client.get("/api/v1/audit", params={"action": "artist.merged"})).json()["items"]
    assert audit
    assert audit[0]["details"]["videos_moved"] == 2


async def test_merge_refuses_itself_and_unknown_artists(client: httpx.AsyncClient, client_as: object) -> None:
    artist = await make_artist(client, "Portishead")
    same = await client.post(f"/api/v1/artists/{artist['id']}/merge", json={"into_artist_id": artist["id"]})
    assert same.status_code == 422
    assert same.json()["errors"][0]["loc"] == ["body", "into_artist_id"]
    unknown = await client.post(f"/api/v1/artists/{artist['id']}/merge", json={"into_artist_id": 999999})
    assert unknown.status_code == 404
    assert (await client.get(f"/api/v1/artists/{artist['id']}")).status_code == 200
