"""Watched state both ways with Jellyfin, Plex and Kodi, against local servers that speak their APIs:
matching by mapped path, who changed since the last sync, the conflict rule, the job and its failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mvidarr.config import Settings
from mvidarr.connections import clients
from mvidarr.connections.watch_sync import Action, Side, decide
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus, Role, Schedule, User, WatchState
from tests.conftest import ClientAs, allow_private_hosts
from tests.discovery.conftest import FAST
from tests.factories import attach_file, make_artist, make_video
from tests.fakes.receivers import (
    JELLYFIN_KEY,
    JELLYFIN_USERS,
    KODI_PASSWORD,
    KODI_USER,
    PLEX_FRIEND_TOKEN,
    PLEX_TOKEN,
    TICKS,
    FakeJellyfin,
    FakeKodi,
    FakePlex,
    serve,
)
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio
ALICE = next(uid for uid, name in JELLYFIN_USERS.items() if name == "alice")
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=1, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=1.0)


# -- the rule ------------------------------------------------------------------------------------


def test_only_the_side_that_changed_since_the_last_sync_travels() -> None:
    unwatched, watched, part = Side(False, 0.0), Side(True, 0.0), Side(False, 95.0)
    assert decide(watched, watched, (False, 0.0)) == (Action.SAME, False)
    assert decide(watched, unwatched, (False, 0.0)) == (Action.PUSH, False)
    assert decide(unwatched, watched, (False, 0.0)) == (Action.PULL, False)
    # Unwatching on the server after both agreed it was watched comes back to MVidarr (no "watched wins").
    assert decide(watched, unwatched, (True, 0.0)) == (Action.PULL, False)
    assert decide(part, unwatched, (False, 0.0)) == (Action.PUSH, False)
    # Positions a few seconds apart are the same position.
    assert decide(Side(False, 95.0), Side(False, 99.0), (False, 0.0)) == (Action.SAME, False)


def test_a_conflict_goes_to_the_later_play_then_watched_then_further() -> None:
    early, late = T0, T0 + timedelta(hours=1)
    # Both changed since the last sync: the later play wins whichever side it is on.
    assert decide(Side(False, 30.0, late), Side(True, 0.0, early), (False, 120.0)) == (Action.PUSH, True)
    assert decide(Side(True, 0.0, early), Side(False, 30.0, late), (False, 120.0)) == (Action.PULL, True)
    # A side that knows when it was played beats one that does not.
    assert decide(Side(False, 30.0, None), Side(False, 200.0, early), (False, 0.0)) == (Action.PULL, True)
    # No times (or the same): watched beats unwatched, then the further position, then MVidarr.
    assert decide(Side(False, 30.0), Side(True, 0.0), (False, 120.0)) == (Action.PULL, True)
    assert decide(Side(False, 300.0), Side(False, 30.0), (False, 120.0)) == (Action.PUSH, True)
    assert decide(Side(False, 30.0, late), Side(False, 300.0, late), (False, 120.0)) == (Action.PULL, True)
    assert decide(Side(False, 30.0, late), Side(False, 30.0, late), (False, 120.0)) == (Action.SAME, False)


def test_a_first_sync_settles_differences_by_the_same_rule_without_calling_them_conflicts() -> None:
    early, late = T0, T0 + timedelta(hours=1)
    assert decide(Side(True, 0.0, early), Side(False, 0.0, None), None) == (Action.PUSH, False)
    assert decide(Side(False, 0.0, None), Side(False, 120.0, early), None) == (Action.PULL, False)
    assert decide(Side(True, 0.0, early), Side(False, 50.0, late), None) == (Action.PULL, False)
    assert decide(Side(False, 30.0), Side(True, 0.0), None) == (Action.PULL, False)


# -- helpers -------------------------------------------------------------------------------------


async def _library(client: httpx.AsyncClient, db: Database, count: int) -> list[int]:
    """`count` videos with current files /library/Air/<n>.mp4."""
    artist = await make_artist(client, "Air")
    ids = []
    for n in range(count):
        video = await make_video(client, artist["id"], f"Song {n}")
        await attach_file(db, video["id"], "/library", relative_path=f"Air/{n}.mp4")
        ids.append(video["id"])
    return ids


async def _admin_id(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(User.id).where(User.username == "admin")) or 0)


async def _state(db: Database, user_id: int, video_id: int) -> tuple[bool, float] | None:
    async with db.reader() as session:
        stmt = select(WatchState).where(WatchState.user_id == user_id, WatchState.video_id == video_id)
        row = (await session.execute(stmt)).scalar_one_or_none()
    return None if row is None else (row.watched, row.position_s)


async def _set_local(db: Database, user_id: int, video_id: int, watched: bool, position_s: float, at: datetime) -> None:
    from mvidarr.watch.repository import upsert_state

    async with db.writer() as session:
        await upsert_state(session, user_id, video_id, watched=watched, position_s=position_s, last_played_at=at)
        await session.commit()


async def _connect(client: httpx.AsyncClient, **body: Any) -> int:
    response = await client.post("/api/v1/connections", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _link(client: httpx.AsyncClient, connection_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/v1/connections/{connection_id}/watch-links", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _sync(client: httpx.AsyncClient, db: Database, connection_id: int) -> Any:
    response = await client.post(f"/api/v1/connections/{connection_id}/watch-sync")
    assert response.status_code == 202, response.text
    return await wait_for(db, response.json()["id"], within_s=30)


async def _links(client: httpx.AsyncClient, connection_id: int) -> list[dict[str, Any]]:
    return list((await client.get(f"/api/v1/connections/{connection_id}/watch-links")).json())


# -- Jellyfin ------------------------------------------------------------------------------------


async def test_jellyfin_both_ways_by_mapped_path(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    await allow_private_hosts(app)
    ids = await _library(client, db, 4)
    admin = await _admin_id(db)
    items = [
        {"Id": f"item{n}", "Name": f"Song {n}", "Type": "MusicVideo", "Path": f"/data/musicvideos/Air/{n}.mp4",
         "RunTimeTicks": 240 * TICKS}
        for n in range(3)
    ]  # fmt: skip
    items.append({"Id": "other", "Name": "Not ours", "Type": "Movie", "Path": "/data/movies/x.mkv"})
    jellyfin = FakeJellyfin(items=items)
    # MVidarr: 0 watched. Jellyfin (alice): 1 left at 2 minutes, 2 watched. 3 has no item on the server.
    await _set_local(db, admin, ids[0], True, 0.0, T0)
    played_at = "2026-01-01T10:00:00.1234567Z"  # Jellyfin writes seven fractional digits
    jellyfin.data(ALICE, "item1").update(PlaybackPositionTicks=120 * TICKS, LastPlayedDate=played_at)
    jellyfin.data(ALICE, "item2").update(Played=True, PlayCount=1, LastPlayedDate="2026-01-01T11:00:00.0000000Z")
    with serve(jellyfin):
        connection = await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token=JELLYFIN_KEY,
                                    path_mappings=[{"from": "/library", "to": "/data/musicvideos"}])  # fmt: skip
        await _link(client, connection, user_id=admin, remote_user="Alice")
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert jellyfin.data(ALICE, "item0")["Played"] is True
        assert await _state(db, admin, ids[1]) == (False, 120.0)
        assert await _state(db, admin, ids[2]) == (True, 0.0)
        assert await _state(db, admin, ids[3]) is None
        [link] = await _links(client, connection)
        assert link["last_result"] == {"matched": 3, "unchanged": 0, "pushed": 1, "pulled": 2, "conflicts": 0,
                                       "failed": 0, "server_items": 4}  # fmt: skip
        assert link["last_error"] is None
        assert link["last_synced_at"] is not None
        assert link["username"] == "admin"
        assert link["remote_user"] == "Alice"

        # Nothing changed: nothing is written either way.
        jellyfin.received.clear()
        assert (await _sync(client, db, connection)).status == JobStatus.SUCCEEDED
        assert jellyfin.writes() == []
        assert (await _links(client, connection))[0]["last_result"]["unchanged"] == 3

        # Unwatched in Jellyfin -> unwatched here; resumed here -> the position goes to Jellyfin.
        jellyfin.data(ALICE, "item0").update(Played=False, PlayCount=0)
        await _set_local(db, admin, ids[2], False, 200.0, T0 + timedelta(days=1))
        assert (await _sync(client, db, connection)).status == JobStatus.SUCCEEDED
        assert await _state(db, admin, ids[0]) == (False, 0.0)
        assert jellyfin.data(ALICE, "item2")["Played"] is False
        assert jellyfin.data(ALICE, "item2")["PlaybackPositionTicks"] == 200 * TICKS
        assert jellyfin.writes() == [
            ("DELETE", f"/Users/{ALICE}/PlayedItems/item2"),
            ("POST", f"/Users/{ALICE}/Items/item2/UserData"),
        ]
        # Bob's state on the server was never touched.
        assert not any(user != ALICE for user, _item in jellyfin.user_data)


async def test_a_refused_key_fails_the_job_and_shows_on_the_link(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    await allow_private_hosts(app)
    await _library(client, db, 1)
    admin = await _admin_id(db)
    with serve(FakeJellyfin()) as jellyfin:
        connection = await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token="wrong")
        await _link(client, connection, user_id=admin, remote_user="alice")
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.FAILED
        assert "jellyfin refused the credentials (401)" in (job.error or "")
        [link] = await _links(client, connection)
        assert link["last_error"] == "jellyfin refused the credentials (401)"
        # An unknown Jellyfin user says so.
        await client.patch(f"/api/v1/connections/{connection}", json={"token": JELLYFIN_KEY})
        await client.patch(f"/api/v1/connections/{connection}/watch-links/{link['id']}", json={"remote_user": "carol"})
        assert (await _sync(client, db, connection)).status == JobStatus.FAILED
        assert (await _links(client, connection))[0]["last_error"] == "Jellyfin has no user 'carol'"


async def test_a_video_the_server_will_not_update_is_reported_and_tried_again(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner
) -> None:
    await allow_private_hosts(app)
    ids = await _library(client, db, 2)
    admin = await _admin_id(db)
    items = [{"Id": f"item{n}", "Name": f"Song {n}", "Type": "MusicVideo", "Path": f"/library/Air/{n}.mp4"}
             for n in range(2)]  # fmt: skip
    jellyfin = FakeJellyfin(items=items, refuse={"item1"})
    for video_id in ids:
        await _set_local(db, admin, video_id, True, 0.0, T0)
    with serve(jellyfin):
        connection = await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token=JELLYFIN_KEY)
        await _link(client, connection, user_id=admin, remote_user=ALICE)
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.FAILED
        assert "1 video could not be written to the server: jellyfin answered 500" in (job.error or "")
        [link] = await _links(client, connection)
        assert (link["last_result"]["pushed"], link["last_result"]["failed"]) == (1, 1)
        assert link["last_error"] == "1 video could not be written to the server: jellyfin answered 500"
        assert jellyfin.data(ALICE, "item0")["Played"] is True
        # The refused video had no agreement recorded, so the next sync sends it again.
        jellyfin.refuse.clear()
        assert (await _sync(client, db, connection)).status == JobStatus.SUCCEEDED
        assert jellyfin.data(ALICE, "item1")["Played"] is True
        [link] = await _links(client, connection)
        assert link["last_error"] is None
        assert (link["last_result"]["pushed"], link["last_result"]["unchanged"]) == (1, 1)


async def test_a_pull_gives_way_to_a_play_that_moved_on_since_it_was_read(
    client: httpx.AsyncClient, db: Database
) -> None:
    from mvidarr.connections import repository

    [video] = await _library(client, db, 1)
    admin = await _admin_id(db)
    await _set_local(db, admin, video, False, 30.0, T0)
    async with db.reader() as session:
        seen = (await repository.local_states(session, admin, [video]))[video]
    await _set_local(db, admin, video, False, 95.0, T0 + timedelta(minutes=1))  # the user plays on meanwhile
    async with db.writer() as session:
        stale = await repository.pull_state(
            session, admin, seen, video, watched=True, position_s=0.0, last_played_at=T0
        )
        await session.commit()
    assert stale is False
    assert await _state(db, admin, video) == (False, 95.0)
    async with db.reader() as session:
        seen = (await repository.local_states(session, admin, [video]))[video]
    async with db.writer() as session:
        fresh = await repository.pull_state(
            session, admin, seen, video, watched=True, position_s=0.0, last_played_at=T0
        )
        await session.commit()
    assert fresh is True
    assert await _state(db, admin, video) == (True, 0.0)


# -- Plex ----------------------------------------------------------------------------------------


async def test_plex_scrobbles_unscrobbles_and_reports_progress_per_account(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner, client_as: ClientAs
) -> None:
    await allow_private_hosts(app)
    ids = await _library(client, db, 3)
    admin = await _admin_id(db)
    friend_client = await client_as(Role.USER)
    friend = int((await friend_client.get("/api/v1/auth/me")).json()["id"])
    videos = [{"ratingKey": str(100 + n), "title": f"Song {n}", "file": f"/data/musicvideos/Air/{n}.mp4",
               "duration": 240_000} for n in range(3)]  # fmt: skip
    plex = FakePlex(videos={"4": videos})
    plex.views[(PLEX_TOKEN, "101")] = {"viewOffset": 90_000, "lastViewedAt": int(T0.timestamp())}
    plex.views[(PLEX_FRIEND_TOKEN, "102")] = {"viewCount": 2, "lastViewedAt": int(T0.timestamp())}
    await _set_local(db, admin, ids[0], True, 0.0, T0)
    await _set_local(db, friend, ids[1], False, 60.0, T0)
    with serve(plex):
        connection = await _connect(client, name="plex", kind="plex", url=plex.base, token=PLEX_TOKEN,
                                    path_mappings=[{"from": "/library", "to": "/data/musicvideos"}])  # fmt: skip
        await _link(client, connection, user_id=admin)
        created = await _link(client, connection, user_id=friend, token=PLEX_FRIEND_TOKEN)
        assert created["has_token"] is True
        assert "token" not in created
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.SUCCEEDED, job.error
        # The owner: 0 watched here -> scrobbled there; 1 resumed there -> resumed here.
        assert plex.views[(PLEX_TOKEN, "100")]["viewCount"] == 1
        assert await _state(db, admin, ids[1]) == (False, 90.0)
        # The friend, with their own token: 1 resumed here -> progress there; 2 watched there -> here.
        assert plex.views[(PLEX_FRIEND_TOKEN, "101")]["viewOffset"] == 60_000
        assert await _state(db, friend, ids[2]) == (True, 0.0)
        assert ("/:/progress", "101", "60000") in plex.view_changes()

        # Unwatched here after both agreed: unscrobbled there.
        await _set_local(db, admin, ids[0], False, 0.0, T0 + timedelta(days=1))
        plex.received.clear()
        assert (await _sync(client, db, connection)).status == JobStatus.SUCCEEDED
        assert plex.view_changes() == [("/:/unscrobble", "100", None)]
        assert "viewCount" not in plex.views[(PLEX_TOKEN, "100")]


async def test_plex_with_a_refused_account_token_fails_only_that_link(
    app: Any, client: httpx.AsyncClient, db: Database, runner: Runner, client_as: ClientAs
) -> None:
    await allow_private_hosts(app)
    ids = await _library(client, db, 1)
    admin = await _admin_id(db)
    friend_client = await client_as(Role.USER)
    friend = int((await friend_client.get("/api/v1/auth/me")).json()["id"])
    plex = FakePlex(videos={"4": [{"ratingKey": "7", "title": "x", "file": "/library/Air/0.mp4", "duration": 1000}]})
    await _set_local(db, admin, ids[0], True, 0.0, T0)
    with serve(plex):
        connection = await _connect(client, name="plex", kind="plex", url=plex.base, token=PLEX_TOKEN)
        await _link(client, connection, user_id=admin)
        await _link(client, connection, user_id=friend, token="revoked")
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.FAILED
        assert "1 of 2 links failed" in (job.error or "")
        owner, other = await _links(client, connection)
        assert owner["last_error"] is None
        assert owner["last_result"]["pushed"] == 1
        assert other["last_error"] == "plex refused the credentials (401)"
        assert plex.views[(PLEX_TOKEN, "7")]["viewCount"] == 1


# -- Kodi ----------------------------------------------------------------------------------------


async def test_kodi_pages_its_music_videos_and_sets_playcount_and_resume(
    app: Any,
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    client_as: ClientAs,
) -> None:
    monkeypatch.setattr(clients, "PAGE", 2)
    await allow_private_hosts(app)
    ids = await _library(client, db, 5)
    admin = await _admin_id(db)
    kodi = FakeKodi(musicvideos=[
        {"musicvideoid": 10 + n, "label": f"Song {n}", "file": f"smb://nas/videos/Air/{n}.mp4", "playcount": 0,
         "resume": {"position": 0.0, "total": 0.0}, "lastplayed": ""}
        for n in range(5)
    ])  # fmt: skip
    kodi.musicvideos[3].update(playcount=1, lastplayed="2026-01-01 09:00:00")
    kodi.musicvideos[4].update(resume={"position": 75.0, "total": 240.0}, lastplayed="2026-01-01 09:30:00")
    await _set_local(db, admin, ids[0], True, 0.0, T0)
    await _set_local(db, admin, ids[1], False, 42.0, T0)
    with serve(kodi):
        connection = await _connect(client, name="kodi", kind="kodi", url=kodi.base, username=KODI_USER,
                                    password=KODI_PASSWORD,
                                    path_mappings=[{"from": "/library", "to": "smb://nas/videos"}])  # fmt: skip
        await _link(client, connection, user_id=admin)
        job = await _sync(client, db, connection)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert (kodi.musicvideos[0]["playcount"], kodi.musicvideos[1]["resume"]["position"]) == (1, 42.0)
        assert await _state(db, admin, ids[3]) == (True, 0.0)
        assert await _state(db, admin, ids[4]) == (False, 75.0)
        pages = [c["params"]["limits"] for c in kodi.calls() if c["method"] == "VideoLibrary.GetMusicVideos"]
        assert pages == [{"start": 0, "end": 2}, {"start": 2, "end": 4}, {"start": 4, "end": 6}]
        sets = [c["params"] for c in kodi.calls() if c["method"] == "VideoLibrary.SetMusicVideoDetails"]
        assert sets == [
            {"musicvideoid": 10, "playcount": 1, "resume": {"position": 0.0, "total": 0.0}},
            {"musicvideoid": 11, "playcount": 0, "resume": {"position": 42.0, "total": 0.0}},
        ]
    # Kodi keeps one state (no users): a second user's link is refused.
    someone = int((await (await client_as(Role.USER)).get("/api/v1/auth/me")).json()["id"])
    again = await client.post(f"/api/v1/connections/{connection}/watch-links", json={"user_id": someone})
    assert again.status_code == 409
    assert "one link" in again.json()["detail"]


# -- the API -------------------------------------------------------------------------------------


async def test_links_are_admin_only_and_validated(
    app: Any, client: httpx.AsyncClient, db: Database, client_as: ClientAs
) -> None:
    await allow_private_hosts(app)
    admin = await _admin_id(db)
    jellyfin = await _connect(client, name="den", kind="jellyfin", url="http://127.0.0.1:8096", token="k")
    kodi = await _connect(client, name="kodi", kind="kodi", url="http://127.0.0.1:8080")
    base = f"/api/v1/connections/{jellyfin}/watch-links"
    missing_user = await client.post(base, json={"user_id": admin})
    assert missing_user.status_code == 422
    assert missing_user.json()["errors"][0]["type"] == "content"
    unknown = await client.post(base, json={"user_id": 999_999, "remote_user": "alice"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["type"] == "reference"
    assert (await client.post(base, json={"user_id": 0, "remote_user": "x"})).status_code == 422
    link = await _link(client, jellyfin, user_id=admin, remote_user="alice", token="t")
    assert (await client.post(base, json={"user_id": admin, "remote_user": "bob"})).status_code == 409
    changed = await client.patch(f"{base}/{link['id']}", json={"enabled": False, "token": None})
    assert (changed.json()["enabled"], changed.json()["has_token"]) == (False, False)
    cleared = await client.patch(f"{base}/{link['id']}", json={"remote_user": None})
    assert cleared.status_code == 422
    assert (await client.delete(f"/api/v1/connections/{kodi}/watch-links/{link['id']}")).status_code == 404
    assert (await client.post("/api/v1/connections/999999/watch-sync")).status_code == 404
    manager = await client_as(Role.MANAGER)
    assert (await manager.get(base)).status_code == 403
    assert (await manager.post(f"/api/v1/connections/{jellyfin}/watch-sync")).status_code == 403
    assert (await client.delete(f"{base}/{link['id']}")).status_code == 204
    assert await _links(client, jellyfin) == []


async def test_a_schedule_syncs_every_half_hour(client: httpx.AsyncClient, db: Database) -> None:
    await client.get("/api/v1/schedules")
    async with db.reader() as session:
        schedule = (
            await session.execute(select(Schedule).where(Schedule.job_type == "connections.watch_sync"))
        ).scalar_one()
    assert (schedule.interval_s, schedule.enabled) == (1800, True)
