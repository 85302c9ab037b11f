"""Channel/playlist monitors: CRUD, and checks against a local feed that yt-dlp lists by flat extraction."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.models import JobStatus
from tests.discovery.conftest import finished
from tests.factories import make_artist
from tests.jobs.helpers import wait_for
from tests.monitors.conftest import Feed

pytestmark = pytest.mark.anyio
DATE = "Fri, 20 Nov 2026 10:00:00 GMT"


async def _videos(client: httpx.AsyncClient, artist_id: int) -> dict[str, dict[str, Any]]:
    body = (await client.get(f"/api/v1/artists/{artist_id}/videos")).json()
    return {v["title"]: v for v in body["items"]}


async def _check(client: httpx.AsyncClient, db: Database, monitor_id: int) -> dict[str, Any]:
    job = await finished(db, await client.post(f"/api/v1/monitors/{monitor_id}/check"))
    assert job.result is not None
    return dict(job.result)


async def test_monitor_crud(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Queen")
    created = await client.post(
        "/api/v1/monitors",
        json={"url": "https://www.youtube.com/@queenofficial", "artist_id": artist["id"], "check_interval_hours": 6},
    )
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert (monitor["name"], monitor["filters"], monitor["enabled"]) == (
        "https://www.youtube.com/@queenofficial",
        None,
        True,
    )
    changed = await client.patch(
        f"/api/v1/monitors/{monitor['id']}", json={"name": "Queen uploads", "filters": {"kinds": ["live"]}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Queen uploads"
    assert changed.json()["filters"]["kinds"] == ["live"]
    listed = (await client.get("/api/v1/monitors")).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == monitor["id"]

    assert (await client.post("/api/v1/monitors", json={"url": "ftp://x"})).status_code == 422
    assert (await client.post("/api/v1/monitors", json={"url": "https://a.b", "artist_id": 999})).status_code == 422
    assert (await client.patch(f"/api/v1/monitors/{monitor['id']}", json={"url": None})).status_code == 422
    bad_filter = await client.patch(f"/api/v1/monitors/{monitor['id']}", json={"filters": {"kinds": ["nope"]}})
    assert bad_filter.status_code == 422
    assert (await client.get("/api/v1/monitors/999")).status_code == 404
    assert (await client.delete(f"/api/v1/monitors/{monitor['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/monitors/{monitor['id']}")).status_code == 404


async def test_checks_add_new_items_once_and_never_resurrect_a_removed_one(
    client: httpx.AsyncClient, db: Database, runner: Any, feed: Feed
) -> None:
    artist = await make_artist(client, "Queen")
    feed.items = [
        ("Queen - Don't Stop Me Now (Official Video)", "HgzGwKwLmgM", DATE),
        ("Queen - Killer Queen (Lyric Video)", "2ZBtPf7FOoM", DATE),
    ]
    monitor = (await client.post("/api/v1/monitors", json={"url": feed.url, "artist_id": artist["id"]})).json()

    first = await _check(client, db, monitor["id"])
    assert (first["listed"], first["added"], first["ignored"]) == (2, 1, 1)
    videos = await _videos(client, artist["id"])
    assert videos["Don't Stop Me Now"]["status"] == "wanted"
    assert videos["Killer Queen"]["status"] == "ignored"
    items = (await client.get(f"/api/v1/monitors/{monitor['id']}/items")).json()["items"]
    assert {i["item_id"]: (i["outcome"], i["reason"]) for i in items} == {
        "HgzGwKwLmgM": ("added", None),
        "2ZBtPf7FOoM": ("ignored", "kind lyric is not accepted"),
    }

    second = await _check(client, db, monitor["id"])
    assert second == {"listed": 2, "video_ids": [], "downloads": []}

    # Removed by the user, then listed again by the feed (and by a new upload id): not re-added.
    removed_id = videos["Don't Stop Me Now"]["id"]
    assert (await client.delete(f"/api/v1/videos/{removed_id}")).status_code == 204
    feed.items.append(("Queen - Don't Stop Me Now [HD]", "AAAAAAAAAAA", DATE))
    feed.items.append(("Queen - Radio Ga Ga (Official Video)", "azdwsXLmrHE", DATE))
    third = await _check(client, db, monitor["id"])
    assert (third.get("added"), third.get("removed")) == (1, 1)
    assert set(await _videos(client, artist["id"])) == {"Killer Queen", "Radio Ga Ga"}
    stored = (await client.get(f"/api/v1/monitors/{monitor['id']}")).json()
    assert stored["last_checked_at"] is not None
    assert stored["last_error"] is None


async def test_artist_from_title_and_monitor_filters(
    client: httpx.AsyncClient, db: Database, runner: Any, feed: Feed
) -> None:
    queen = await make_artist(client, "Queen")
    bjork = await make_artist(client, "Björk")
    feed.items = [
        ("Queen - Under Pressure (Live at Wembley)", "a01QQZyl-_I", DATE),
        ("Björk - Army of Me (Official Video)", "tjwvVWGE9vQ", DATE),
        ("Unknown Band - Some Song", "bbbbbbbbbbb", DATE),
    ]
    monitor = (await client.post("/api/v1/monitors", json={"url": feed.url, "filters": {"kinds": ["live"]}})).json()
    result = await _check(client, db, monitor["id"])
    assert (result["added"], result["ignored"], result["unmatched"]) == (1, 1, 1)
    assert (await _videos(client, queen["id"]))["Under Pressure"]["kind"] == "live"
    assert (await _videos(client, bjork["id"]))["Army of Me"]["status"] == "ignored"


async def test_an_unreadable_url_fails_the_check_with_the_reason(
    client: httpx.AsyncClient, db: Database, runner: Any, feed: Feed
) -> None:
    monitor = (await client.post("/api/v1/monitors", json={"url": feed.url.replace("feed.xml", "gone")})).json()
    response = await client.post(f"/api/v1/monitors/{monitor['id']}/check")
    assert response.status_code == 202
    job = await wait_for(db, response.json()["id"], within_s=30)
    assert job.status == JobStatus.FAILED
    stored = (await client.get(f"/api/v1/monitors/{monitor['id']}")).json()
    assert stored["last_error"]
    assert "404" in stored["last_error"]


async def test_a_check_is_held_to_the_network_policy_when_it_runs(
    client: httpx.AsyncClient, db: Database, runner: Any, feed: Feed
) -> None:
    """A monitor accepted while its host was allowed is refused by its check once the allow-list no
    longer lists it: yt-dlp's listing goes through the guarded proxy, not around it."""
    feed.items = [("Queen - Innuendo (Official Video)", "g2N0TkfLNs0", DATE)]
    monitor = (await client.post("/api/v1/monitors", json={"url": feed.url})).json()
    assert (await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": []})).status_code == 200
    started = await client.post(f"/api/v1/monitors/{monitor['id']}/check")
    assert started.status_code == 202, started.text
    job = await wait_for(db, started.json()["id"], within_s=60)
    assert job.status == JobStatus.FAILED
    stored = (await client.get(f"/api/v1/monitors/{monitor['id']}")).json()
    assert "refused by the network policy" in stored["last_error"]
    assert "network.allowed_private_hosts" in stored["last_error"]
    assert feed.hits == 0, "the feed on loopback was never reached"
