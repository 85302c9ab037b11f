"""Discovery's HTTP surface: starting a discovery, its dry run, the wanted list, bulk status, calendar."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import update

from mvidarr.db import Database
from mvidarr.models import Video
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_discover_starts_one_job_per_artist(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Queen")
    first = await client.post(f"/api/v1/artists/{artist['id']}/discover")
    assert first.status_code == 202, first.text
    job = first.json()
    assert (job["type"], job["params"], job["status"]) == ("artist.discover", {"artist_id": artist["id"]}, "queued")
    again = await client.post(f"/api/v1/artists/{artist['id']}/discover")
    assert again.status_code == 202
    assert again.json()["id"] == job["id"]


async def test_discover_of_an_unknown_artist_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/artists/999/discover")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    preview = await client.get("/api/v1/artists/999/discover/preview")
    assert preview.status_code == 404
    bad = await client.post("/api/v1/artists/0/discover")
    assert bad.status_code == 422


async def test_preview_without_provider_ids_asks_nobody(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Nobody Known")
    response = await client.get(f"/api/v1/artists/{artist['id']}/discover/preview")
    assert response.status_code == 200, response.text
    assert response.json() == {"artist_id": artist["id"], "sources_asked": [], "source_errors": {}, "items": []}


async def test_artist_discovery_settings_round_trip(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Queen", monitor_new=True, min_year=1980, min_duration_s=90)
    assert (artist["monitor_new"], artist["min_year"], artist["min_duration_s"]) == (True, 1980, 90)
    changed = await client.patch(f"/api/v1/artists/{artist['id']}", json={"min_year": None})
    assert changed.status_code == 200
    assert changed.json()["min_year"] is None
    bad = await client.patch(f"/api/v1/artists/{artist['id']}", json={"min_year": 1200})
    assert bad.status_code == 422


async def _set(db: Database, video_id: int, **values: object) -> None:
    async with db.writer() as session:
        await session.execute(update(Video).where(Video.id == video_id).values(**values))
        await session.commit()


async def test_wanted_lists_missing_videos_with_filters_and_release_sort(
    client: httpx.AsyncClient, db: Database
) -> None:
    queen = await make_artist(client, "Queen")
    bjork = await make_artist(client, "Björk")
    old = await make_video(client, queen["id"], "Old", year=1980, release_date="1980-01-01")
    new = await make_video(client, queen["id"], "New", year=2020, release_date="2020-05-01")
    live = await make_video(client, queen["id"], "Live One", kind="live", year=2020, release_date="2020-06-01")
    other = await make_video(client, bjork["id"], "Army of Me", year=1995, release_date="1995-04-01")
    have_file = await make_video(client, queen["id"], "Downloaded")
    await attach_file(db, have_file["id"], "/lib")
    ignored = await make_video(client, queen["id"], "Skipped", status="ignored")

    response = await client.get("/api/v1/wanted")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["title"] for i in body["items"]] == ["Live One", "New", "Army of Me", "Old"]
    assert body["total"] == 4
    assert body["items"][0]["artist"] == {"id": queen["id"], "name": "Queen"}

    oldest_first = (await client.get("/api/v1/wanted", params={"sort": "release_date"})).json()
    assert [i["id"] for i in oldest_first["items"]] == [old["id"], other["id"], new["id"], live["id"]]
    by_artist = (await client.get("/api/v1/wanted", params={"artist_id": bjork["id"]})).json()
    assert [i["id"] for i in by_artist["items"]] == [other["id"]]
    by_year_kind = (await client.get("/api/v1/wanted", params={"year": 2020, "kind": "live"})).json()
    assert [i["id"] for i in by_year_kind["items"]] == [live["id"]]
    assert ignored["id"] not in {i["id"] for i in body["items"]}

    undated = await make_video(client, queen["id"], "Undated")
    for sort in ("release_date", "-release_date"):
        listed = (await client.get("/api/v1/wanted", params={"sort": sort})).json()["items"]
        assert listed[-1]["id"] == undated["id"], sort

    bad = await client.get("/api/v1/wanted", params={"list": "everything"})
    assert bad.status_code == 422
    bad_sort = await client.get("/api/v1/wanted", params={"sort": "nope"})
    assert bad_sort.status_code == 422


async def test_wanted_cutoff_unmet_uses_the_quality_profiles(client: httpx.AsyncClient, db: Database) -> None:
    profiles = (await client.get("/api/v1/quality-profiles")).json()
    hd = next(p for p in profiles if p["cutoff"] == "1080p")
    artist = await make_artist(client, "Queen", quality_profile_id=hd["id"])
    low = await make_video(client, artist["id"], "Low", status="downloaded")
    good = await make_video(client, artist["id"], "Good", status="downloaded")
    await attach_file(db, low["id"], "/lib", quality_label="720p", height=720, width=1280)
    await attach_file(db, good["id"], "/lib", quality_label="1080p")
    body = (await client.get("/api/v1/wanted", params={"list": "cutoff_unmet"})).json()
    assert [(i["id"], i["quality_label"]) for i in body["items"]] == [(low["id"], "720p")]
    assert body["total"] == 1


async def test_bulk_ignore_unignore_and_want(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Queen")
    a = await make_video(client, artist["id"], "A")
    b = await make_video(client, artist["id"], "B")
    failed = await make_video(client, artist["id"], "C", status="failed")
    with_file = await make_video(client, artist["id"], "D", status="downloaded")
    await attach_file(db, with_file["id"], "/lib")

    ignore = await client.post(
        "/api/v1/wanted/bulk", json={"video_ids": [a["id"], b["id"], with_file["id"]], "action": "ignore"}
    )
    assert ignore.status_code == 200, ignore.text
    assert ignore.json() == {"changed": 2, "unchanged": 1}
    statuses = {v["id"]: v["status"] for v in (await client.get("/api/v1/videos")).json()["items"]}
    assert statuses[a["id"]] == statuses[b["id"]] == "ignored"
    assert statuses[with_file["id"]] == "downloaded"

    unignore = await client.post(
        "/api/v1/wanted/bulk", json={"video_ids": [a["id"], failed["id"]], "action": "unignore"}
    )
    assert unignore.json() == {"changed": 1, "unchanged": 1}
    want = await client.post("/api/v1/wanted/bulk", json={"video_ids": [failed["id"]], "action": "want"})
    assert want.json() == {"changed": 1, "unchanged": 0}
    statuses = {v["id"]: v["status"] for v in (await client.get("/api/v1/videos")).json()["items"]}
    assert (statuses[a["id"]], statuses[b["id"]], statuses[failed["id"]]) == ("wanted", "ignored", "wanted")

    unknown = await client.post("/api/v1/wanted/bulk", json={"video_ids": [a["id"], 99999], "action": "ignore"})
    assert unknown.status_code == 404
    empty = await client.post("/api/v1/wanted/bulk", json={"video_ids": [], "action": "ignore"})
    assert empty.status_code == 422


async def test_calendar_lists_monitored_artists_by_release_date(client: httpx.AsyncClient) -> None:
    queen = await make_artist(client, "Queen")
    quiet = await make_artist(client, "Unmonitored", monitored=False)
    soon = await make_video(client, queen["id"], "Soon", release_date="2026-12-05")
    recent = await make_video(client, queen["id"], "Recent", release_date="2026-11-20")
    await make_video(client, queen["id"], "Long Ago", release_date="2001-01-01")
    await make_video(client, queen["id"], "Skipped", release_date="2026-11-21", status="ignored")
    await make_video(client, quiet["id"], "Not Followed", release_date="2026-11-22")
    response = await client.get("/api/v1/calendar", params={"start": "2026-11-01", "end": "2026-12-31"})
    assert response.status_code == 200, response.text
    items = response.json()
    assert [(i["id"], i["release_date"]) for i in items] == [
        (recent["id"], "2026-11-20"),
        (soon["id"], "2026-12-05"),
    ]
    assert items[0]["artist"]["name"] == "Queen"
    backwards = await client.get("/api/v1/calendar", params={"start": "2026-12-31", "end": "2026-11-01"})
    assert backwards.status_code == 422
    too_long = await client.get("/api/v1/calendar", params={"start": "2020-01-01", "end": str(date(2026, 1, 1))})
    assert too_long.status_code == 422
    missing = await client.get("/api/v1/calendar", params={"start": "2026-11-01"})
    assert missing.status_code == 422


async def test_readonly_users_may_read_but_not_change(app: object, client: httpx.AsyncClient) -> None:
    from mvidarr.models import Role
    from tests.conftest import access_token, http_client, make_user

    artist = await make_artist(client, "Queen")
    video = await make_video(client, artist["id"], "A")
    reader = await make_user(app, "reader", Role.READONLY)
    async with http_client(app, await access_token(app, reader)) as ro:
        assert (await ro.get("/api/v1/wanted")).status_code == 200
        assert (
            await ro.get("/api/v1/calendar", params={"start": "2026-01-01", "end": "2026-02-01"})
        ).status_code == 200
        assert (await ro.post(f"/api/v1/artists/{artist['id']}/discover")).status_code == 403
        bulk = await ro.post("/api/v1/wanted/bulk", json={"video_ids": [video["id"]], "action": "ignore"})
        assert bulk.status_code == 403
