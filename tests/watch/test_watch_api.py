"""Watch history over HTTP: plays with progress, resume, continue watching, favourites, each
user's own; totals for admins."""

from __future__ import annotations

import httpx
import pytest

from mvidarr.models import Role
from tests.conftest import ClientAs
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def _videos(client: httpx.AsyncClient, n: int) -> list[int]:
    artist = await make_artist(client, "Portishead")
    return [(await make_video(client, artist["id"], f"Song {i}", year=1994 + i))["id"] for i in range(n)]


async def _play(client: httpx.AsyncClient, video_id: int) -> dict[str, object]:
    started = await client.post("/api/v1/history/plays", json={"video_id": video_id})
    assert started.status_code == 201, started.text
    return dict(started.json())


async def test_progress_resume_and_finish(client: httpx.AsyncClient) -> None:
    ids = await _videos(client, 3)
    play = await _play(client, ids[0])
    assert play["resume_from_s"] == 0.0
    progress = await client.patch(f"/api/v1/history/plays/{play['id']}", json={"position_s": 42.5, "duration_s": 200})
    assert progress.status_code == 204
    state = (await client.get(f"/api/v1/videos/{ids[0]}/watch-state")).json()
    assert (state["position_s"], state["duration_s"], state["watched"], state["play_count"]) == (42.5, 200, False, 1)
    assert state["last_played_at"].endswith("Z")

    # The next play resumes there; reaching the last 5 % finishes it and clears the resume point.
    again = await _play(client, ids[0])
    assert again["resume_from_s"] == 42.5
    await client.patch(f"/api/v1/history/plays/{again['id']}", json={"position_s": 195, "duration_s": 200})
    state = (await client.get(f"/api/v1/videos/{ids[0]}/watch-state")).json()
    assert (state["position_s"], state["watched"], state["play_count"]) == (0.0, True, 2)
    third = await _play(client, ids[0])
    assert third["resume_from_s"] == 0.0

    other = await _play(client, ids[1])
    await client.patch(f"/api/v1/history/plays/{other['id']}", json={"position_s": 60})
    await _play(client, ids[2])  # started, never reported: nothing to continue
    continuing = (await client.get("/api/v1/history/continue")).json()
    assert [(c["video"]["id"], c["position_s"]) for c in continuing] == [(ids[1], 60.0)]

    history = (await client.get("/api/v1/history")).json()
    assert history["total"] == 5
    assert [h["video"]["id"] for h in history["items"]][:2] == [ids[2], ids[1]]
    assert history["items"][1]["position_s"] == 60.0

    unwatched = await client.put(f"/api/v1/videos/{ids[0]}/watch-state", json={"watched": False})
    assert unwatched.json()["watched"] is False
    assert unwatched.json()["play_count"] == 3


async def test_bad_input_and_unknown_plays(client: httpx.AsyncClient) -> None:
    ids = await _videos(client, 1)
    assert (await client.post("/api/v1/history/plays", json={"video_id": 999_999})).status_code == 422
    play = await _play(client, ids[0])
    for body in ({"position_s": -1}, {"position_s": "NaN"}, {}, {"position_s": 1, "extra": 1}):
        response = await client.patch(f"/api/v1/history/plays/{play['id']}", json=body)
        assert response.status_code == 422, body
    assert (await client.patch("/api/v1/history/plays/999999", json={"position_s": 1})).status_code == 404
    assert (await client.get("/api/v1/videos/999999/watch-state")).status_code == 404
    assert (await client.put("/api/v1/favourites/999999")).status_code == 404


async def test_each_user_sees_their_own_and_admins_see_totals(client: httpx.AsyncClient, client_as: ClientAs) -> None:
    ids = await _videos(client, 2)
    alice = await client_as(Role.USER)
    bob = await client_as(Role.USER)
    reader = await client_as(Role.READONLY)
    alice_play = await _play(alice, ids[0])
    await alice.patch(f"/api/v1/history/plays/{alice_play['id']}", json={"position_s": 30})
    await _play(bob, ids[0])
    await _play(bob, ids[1])

    # Bob cannot report on Alice's play, nor see it.
    assert (await bob.patch(f"/api/v1/history/plays/{alice_play['id']}", json={"position_s": 1})).status_code == 404
    assert (await bob.get("/api/v1/history")).json()["total"] == 2
    assert (await bob.get(f"/api/v1/videos/{ids[0]}/watch-state")).json()["position_s"] == 0.0
    assert (await alice.get(f"/api/v1/videos/{ids[0]}/watch-state")).json()["position_s"] == 30.0

    assert (await alice.put(f"/api/v1/favourites/{ids[1]}")).json()["favourite"] is True
    assert (await alice.put(f"/api/v1/favourites/{ids[1]}")).status_code == 200
    assert [f["video"]["id"] for f in (await alice.get("/api/v1/favourites")).json()["items"]] == [ids[1]]
    assert (await bob.get("/api/v1/favourites")).json()["total"] == 0

    assert (await alice.get("/api/v1/history/totals")).status_code == 403
    assert (await reader.post("/api/v1/history/plays", json={"video_id": ids[0]})).status_code == 403
    totals = (await client.get("/api/v1/history/totals")).json()
    assert (totals["plays"], totals["viewers"], totals["videos_played"], totals["favourites"]) == (3, 2, 2, 1)
    assert [(t["video"]["id"], t["plays"], t["viewers"]) for t in totals["top_videos"]] == [
        (ids[0], 2, 2), (ids[1], 1, 1),
    ]  # fmt: skip

    assert (await alice.delete(f"/api/v1/favourites/{ids[1]}")).status_code == 204
    assert (await alice.get("/api/v1/favourites")).json()["total"] == 0
