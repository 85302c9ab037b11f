"""Playlists over HTTP: manual lists (bulk add, reorder, notes, remove), smart ones (a saved video
filter, per viewer), visibility by owner and role, and the M3U8/JSON exports."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import Role
from tests.conftest import ClientAs
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio
API = "/api/v1/playlists"


async def _library(client: httpx.AsyncClient) -> list[int]:
    bjork = await make_artist(client, "Björk")
    prodigy = await make_artist(client, "The Prodigy")
    ids = []
    for title, year, artist in [
        ("Army of Me", 1995, bjork), ("Human Behaviour", 1993, bjork), ("Hyperballad", 1996, bjork),
        ("Firestarter", 1996, prodigy), ("Breathe", 1997, prodigy), ("Omen", 2009, prodigy),
    ]:  # fmt: skip
        ids.append((await make_video(client, artist["id"], title, year=year, genres=["electronic"]))["id"])
    return ids


async def _entries(client: httpx.AsyncClient, playlist_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/{playlist_id}/items", params={"page_size": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _titles(client: httpx.AsyncClient, playlist_id: int) -> list[str]:
    return [e["video"]["title"] for e in await _entries(client, playlist_id)]


async def test_manual_playlist_add_reorder_note_remove(client: httpx.AsyncClient) -> None:
    ids = await _library(client)
    created = await client.post(API, json={"name": "Late night", "description": "slow ones"})
    assert created.status_code == 201, created.text
    playlist = created.json()
    assert (playlist["smart"], playlist["public"], playlist["item_count"], playlist["editable"]) == (
        False, False, 0, True,
    )  # fmt: skip
    pid = playlist["id"]

    added = await client.post(f"{API}/{pid}/items", json={"video_ids": [ids[2], ids[0], 999_999, ids[2], ids[4]]})
    assert added.status_code == 200, added.text
    assert added.json() == {"added": 3, "already_present": 0, "missing": [999_999], "item_count": 3}
    assert await _titles(client, pid) == ["Hyperballad", "Army of Me", "Breathe"]

    again = await client.post(f"{API}/{pid}/items", json={"video_ids": [ids[0], ids[1]], "position": 1})
    assert again.json() == {"added": 1, "already_present": 1, "missing": [], "item_count": 4}
    assert await _titles(client, pid) == ["Hyperballad", "Human Behaviour", "Army of Me", "Breathe"]

    entries = await _entries(client, pid)
    assert [e["position"] for e in entries] == [0, 1, 2, 3]
    moved = await client.patch(f"{API}/{pid}/items/{entries[3]['item_id']}", json={"position": 0, "note": "opener"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["position"], moved.json()["note"]) == (0, "opener")
    assert await _titles(client, pid) == ["Breathe", "Hyperballad", "Human Behaviour", "Army of Me"]
    down = await client.patch(f"{API}/{pid}/items/{entries[0]['item_id']}", json={"position": 99})
    assert down.json()["position"] == 3
    assert await _titles(client, pid) == ["Breathe", "Human Behaviour", "Army of Me", "Hyperballad"]

    entries = await _entries(client, pid)
    assert [e["position"] for e in entries] == [0, 1, 2, 3]
    removed = await client.delete(f"{API}/{pid}/items/{entries[1]['item_id']}")
    assert removed.status_code == 204
    entries = await _entries(client, pid)
    assert [(e["video"]["title"], e["position"]) for e in entries] == [
        ("Breathe", 0), ("Army of Me", 1), ("Hyperballad", 2),
    ]  # fmt: skip
    assert entries[0]["note"] == "opener"
    cleared = await client.patch(f"{API}/{pid}/items/{entries[0]['item_id']}", json={"note": None})
    assert cleared.json()["note"] is None

    order = [entries[2]["item_id"], entries[0]["item_id"], entries[1]["item_id"]]
    reordered = await client.put(f"{API}/{pid}/items", json={"item_ids": order})
    assert reordered.status_code == 200, reordered.text
    assert [e["video"]["title"] for e in reordered.json()["items"]] == ["Hyperballad", "Breathe", "Army of Me"]
    partial = await client.put(f"{API}/{pid}/items", json={"item_ids": order[:2]})
    assert partial.status_code == 422
    ids_only = (await client.get(f"{API}/{pid}/video-ids")).json()
    assert ids_only == {"video_ids": [ids[2], ids[4], ids[0]]}
    assert (await client.get(f"{API}/{pid}")).json()["item_count"] == 3


async def test_bulk_add_by_filter_and_validation(client: httpx.AsyncClient) -> None:
    ids = await _library(client)
    pid = (await client.post(API, json={"name": "Nineties"})).json()["id"]
    added = await client.post(f"{API}/{pid}/items", json={"filter": {"year_min": 1990, "year_max": 1999}})
    assert added.json()["added"] == 5
    assert ids[5] not in (await client.get(f"{API}/{pid}/video-ids")).json()["video_ids"]
    bad: list[dict[str, Any]] = [
        {}, {"video_ids": [], "filter": None}, {"video_ids": [1], "filter": {}}, {"video_ids": [0]},
        {"video_ids": list(range(1, 5002))}, {"video_ids": [1], "note": "x" * 1001}, {"bogus": 1},
    ]  # fmt: skip
    for body in bad:
        response = await client.post(f"{API}/{pid}/items", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.post(API, json={"name": ""})).status_code == 422
    assert (await client.post(API, json={"name": "x", "rule": {"decade": 1995}})).status_code == 422
    bad_sort = await client.post(API, json={"name": "x", "rule": {"sort": "-nope"}})
    assert bad_sort.status_code == 422
    assert "nope" in bad_sort.json()["detail"]
    assert (await client.post(API, json={"name": "x", "rule": {"decade": 1990, "year_min": 1991}})).status_code == 422
    assert (await client.get(f"{API}/999999")).status_code == 404
    assert (await client.patch(f"{API}/{pid}/items/999999", json={"note": "x"})).status_code == 404


async def test_smart_playlist_follows_its_rule_and_the_viewer(client: httpx.AsyncClient, db: Database) -> None:
    ids = await _library(client)
    await attach_file(db, ids[3], "/lib", quality_label="2160p")
    rule = {"decade": 1990, "kind": ["official"], "sort": "year,title"}
    created = await client.post(API, json={"name": "90s", "rule": rule, "public": True})
    assert created.status_code == 201, created.text
    smart = created.json()
    assert smart["smart"] is True
    assert smart["rule"]["decade"] == 1990
    assert smart["item_count"] == 5
    entries = await _entries(client, smart["id"])
    assert [e["video"]["title"] for e in entries] == [
        "Human Behaviour", "Army of Me", "Firestarter", "Hyperballad", "Breathe",
    ]  # fmt: skip
    assert all(e["item_id"] is None for e in entries)
    assert entries[2]["video"]["quality_label"] == "2160p"
    assert entries[2]["video"]["has_file"] is True

    # A new video the rule matches joins it; a manual edit is refused.
    prodigy = entries[2]["video"]["artist"]["id"]
    await make_video(client, prodigy, "Poison", year=1995)
    assert len(await _entries(client, smart["id"])) == 6
    refused = await client.post(f"{API}/{smart['id']}/items", json={"video_ids": [ids[0]]})
    assert refused.status_code == 409

    # Watched and favourite are the viewer's own.
    watched_rule = {"name": "unwatched", "rule": {"watched": False, "artist_id": prodigy}}
    unwatched = (await client.post(API, json=watched_rule)).json()
    assert unwatched["item_count"] == 4
    play = await client.post("/api/v1/history/plays", json={"video_id": ids[3]})
    assert play.status_code == 201, play.text
    done = await client.patch(f"/api/v1/history/plays/{play.json()['id']}", json={"position_s": 200, "completed": True})
    assert done.status_code == 204, done.text
    assert (await client.get(f"{API}/{unwatched['id']}")).json()["item_count"] == 3
    assert (await client.put(f"/api/v1/favourites/{ids[4]}")).status_code == 200
    favs = (await client.post(API, json={"name": "favs", "rule": {"favourite": True}})).json()
    assert [e["video"]["id"] for e in await _entries(client, favs["id"])] == [ids[4]]

    changed = await client.patch(f"{API}/{smart['id']}", json={"rule": {"quality_label": ["2160p"]}})
    assert changed.status_code == 200
    assert changed.json()["item_count"] == 1
    manual = (await client.post(API, json={"name": "m"})).json()
    assert (await client.patch(f"{API}/{manual['id']}", json={"rule": {"decade": 1990}})).status_code == 409
    assert (await client.patch(f"{API}/{manual['id']}", json={"name": None})).status_code == 422


async def test_visibility_and_roles(client: httpx.AsyncClient, client_as: ClientAs) -> None:
    ids = await _library(client)
    alice = await client_as(Role.USER)
    bob = await client_as(Role.USER)
    reader = await client_as(Role.READONLY)
    private = (await alice.post(API, json={"name": "alice private"})).json()
    public = (await alice.post(API, json={"name": "alice public", "public": True})).json()
    await alice.post(f"{API}/{public['id']}/items", json={"video_ids": ids[:2]})

    bob_sees = [p["name"] for p in (await bob.get(API)).json()["items"]]
    assert bob_sees == ["alice public"]
    assert (await bob.get(f"{API}/{private['id']}")).status_code == 404
    assert (await bob.get(f"{API}/{private['id']}/items")).status_code == 404
    assert (await bob.get(f"{API}/{public['id']}")).json()["editable"] is False
    assert len(await _entries(bob, public["id"])) == 2
    assert (await bob.post(f"{API}/{public['id']}/items", json={"video_ids": [ids[3]]})).status_code == 403
    assert (await bob.patch(f"{API}/{public['id']}", json={"name": "mine now"})).status_code == 403
    assert (await bob.delete(f"{API}/{public['id']}")).status_code == 403

    # Readonly users read public playlists but own none.
    assert [p["name"] for p in (await reader.get(API)).json()["items"]] == ["alice public"]
    assert (await reader.post(API, json={"name": "nope"})).status_code == 403

    # The admin sees every playlist; filters narrow the list.
    assert (await client.get(API)).json()["total"] == 2
    assert (await alice.get(API, params={"mine": True})).json()["total"] == 2
    assert (await alice.get(API, params={"q": "PUBLIC"})).json()["items"][0]["id"] == public["id"]
    assert (await alice.get(API, params={"smart": True})).json()["total"] == 0
    assert (await alice.get(API, params={"sort": "-created_at"})).json()["items"][0]["id"] == public["id"]
    assert (await alice.get(API, params={"sort": "owner"})).status_code == 422

    assert (await alice.delete(f"{API}/{public['id']}")).status_code == 204
    assert (await bob.get(API)).json()["total"] == 0


async def test_exports_m3u8_and_json_with_stream_keys(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, client_as: ClientAs
) -> None:
    ids = await _library(client)
    pid = (await client.post(API, json={"name": "Mix\n#EXTINF:evil"})).json()["id"]
    await client.post(f"{API}/{pid}/items", json={"video_ids": [ids[3], ids[0]], "note": "loud"})
    key = (await client.post("/api/v1/api-keys", json={"name": "vlc", "role": "readonly"})).json()["key"]

    plain = await client.get(f"{API}/{pid}/export")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    lines = plain.text.splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:Mix #EXTINF:evil"]
    assert lines[2] == "#EXTINF:-1,The Prodigy - Firestarter (1996)"
    assert lines[3] == f"http://test/api/v1/videos/{ids[3]}/stream"

    keyed = await client.get(f"{API}/{pid}/export", params={"api_key": key})
    assert keyed.text.splitlines()[3].endswith(f"/videos/{ids[3]}/stream?api_key={key}")
    # A player holding the M3U8 URL: the key in the query authenticates the export and the streams.
    by_key = await anon_client.get(f"{API}/{pid}/export", params={"api_key": key, "format": "json"})
    assert by_key.status_code == 200, by_key.text
    document = by_key.json()
    assert [e["video"]["title"] for e in document["entries"]] == ["Firestarter", "Army of Me"]
    assert document["entries"][0]["note"] == "loud"
    stream = document["entries"][0]["stream_url"].removeprefix("http://test")
    streamed = await anon_client.get(stream)
    assert streamed.status_code == 404
    assert "no playable file" in streamed.json()["detail"]
    assert (await anon_client.get(f"/api/v1/videos/{ids[3]}/stream")).status_code == 401
    assert (await anon_client.get(f"/api/v1/videos/{ids[3]}", params={"api_key": key})).status_code == 401
    assert (await anon_client.get(stream.replace(key, "wrong"))).status_code == 401

    other = await client_as(Role.USER)
    theirs = (await other.post("/api/v1/api-keys", json={"name": "x"})).json()["key"]
    # A signed-in caller may name only a key of their own for the URLs.
    assert (await client.get(f"{API}/{pid}/export", params={"api_key": theirs})).status_code == 422
    assert (await client.get(f"{API}/{pid}/export", params={"api_key": "nonsense"})).status_code == 401
    assert (await client.get(f"{API}/{pid}/export", params={"format": "xml"})).status_code == 422


async def test_preview_of_a_rule(client: httpx.AsyncClient, client_as: ClientAs, db: Database) -> None:
    ids = await _library(client)
    await attach_file(db, ids[0], "/lib")
    await attach_file(db, ids[4], "/lib")
    reader = await client_as(Role.READONLY)
    preview = await reader.post(f"{API}/preview-video-ids", json={"has_file": True, "sort": "title"})
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"video_ids": [ids[0], ids[4]]}
    assert (await reader.post(f"{API}/preview-video-ids", json={"decade": 1990, "genre": "electronic"})).json()[
        "video_ids"
    ] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert (await reader.post(f"{API}/preview-video-ids", json={"sort": "nope"})).status_code == 422
    assert (await reader.post(f"{API}/preview-video-ids", json={"kind": ["bogus"]})).status_code == 422
