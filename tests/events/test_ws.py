"""`/api/v1/ws` over a real socket: auth, subscribe + snapshot, live job events, bad frames."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events import endpoints as ws_endpoints
from mvidarr.events.hub import Event, EventHub
from mvidarr.jobs import service as jobs_service
from mvidarr.jobs.runner import Runner
from mvidarr.models import Role
from tests.conftest import access_token, http_client, make_user
from tests.jobs import handlers  # noqa: F401  (registers the test job types)

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_slots": 0, "job_poll_s": 0.1, "ws_heartbeat_s": 0.3})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def ws_url(app: Any) -> AsyncIterator[str]:
    """The app (lifespan already running) served by uvicorn on this event loop."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None, ws="websockets-sansio")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no start event)
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/api/v1/ws"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def token(app: Any) -> str:
    """A manager's: managers see every job."""
    return await access_token(app, await make_user(app, "watcher", Role.MANAGER))


async def receive(ws: ClientConnection, kind: str, within_s: float = 5) -> dict[str, Any]:
    """The next message of type `kind`, skipping pings."""
    async with asyncio.timeout(within_s):
        while True:
            message = orjson.loads(await ws.recv())
            if message["type"] == kind:
                return message
            assert message["type"] in ("ping", "job.progress", "job.created"), message


async def test_subscribe_gets_snapshot_then_live_job_events(
    app: Any, db: Database, settings: Settings, ws_url: str, token: str, client: httpx.AsyncClient
) -> None:
    queued = (await client.post("/api/v1/jobs", json={"type": "test.sleep", "params": {"seconds": 0.05}})).json()
    async with connect(ws_url) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        await ws.send(orjson.dumps({"type": "subscribe", "topics": ["jobs", f"job:{queued['id']}"]}).decode())
        snapshot = await receive(ws, "snapshot")
        assert snapshot["topic"] == "jobs"
        assert [j["id"] for j in snapshot["data"]["jobs"]] == [queued["id"]]
        one = await receive(ws, "snapshot")
        assert one["data"]["job"]["status"] == "queued"
        runner = Runner(db, app.state.events, settings, providers=app.state.providers, slots=2, run_schedules=False)
        await runner.start()
        try:
            finished = await receive(ws, "job.finished")
            assert finished["data"]["id"] == queued["id"]
            assert finished["data"]["status"] == "succeeded"
            assert finished["at"].endswith("Z")
            second = (await client.post("/api/v1/jobs", json={"type": "test.sleep"})).json()
            created = await receive(ws, "job.created")
            assert created["data"]["id"] == second["id"]
            await receive(ws, "job.finished")
        finally:
            await runner.stop()
        assert (await receive(ws, "ping", within_s=2))["type"] == "ping"
        await ws.send('{"type": "ping"}')
        assert (await receive(ws, "pong"))["type"] == "pong"


async def test_socket_requires_credentials(ws_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_endpoints, "AUTH_TIMEOUT_S", 0.3)
    async with connect(ws_url) as ws:
        with pytest.raises(ConnectionClosed) as silent:
            await ws.recv()
    assert silent.value.rcvd is not None
    assert silent.value.rcvd.code == 4401
    async with connect(ws_url) as ws:
        await ws.send('{"type": "auth", "token": "not-a-token"}')
        with pytest.raises(ConnectionClosed) as wrong:
            await ws.recv()
    assert wrong.value.rcvd is not None
    assert wrong.value.rcvd.code == 4401


async def test_bearer_header_authenticates_too(ws_url: str, token: str) -> None:
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send('{"type": "subscribe", "topics": ["library"]}')
        snapshot = await receive(ws, "snapshot")
        assert snapshot == {"type": "snapshot", "topic": "library", "data": {}, "at": snapshot["at"]}


async def drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"no": "type"}',
        '{"type": "dance"}',
        '{"type": "subscribe", "topics": ["secrets"]}',
        "x" * 20_000,
    ],
)
async def test_garbage_frames_close_with_4400(ws_url: str, token: str, frame: str, client: httpx.AsyncClient) -> None:
    async with connect(ws_url) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        await ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await drain(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert (await client.get("/api/v1/health")).status_code == 200


async def test_slow_subscriber_is_cut_off_and_memory_stays_bounded(db: Database) -> None:
    hub = EventHub(db, queue_size=10)
    slow = hub.subscribe({"jobs"})
    fast = hub.subscribe({"jobs"})
    other = hub.subscribe({"library"})
    for n in range(25):
        hub.deliver([Event(type="job.progress", data={"id": n})])
        with contextlib.suppress(asyncio.QueueEmpty):
            fast.queue.get_nowait()
    assert slow.overflowed
    assert slow.queue.qsize() == 1
    assert slow.queue.get_nowait() is None
    assert not fast.overflowed
    assert other.queue.empty()
    slow.close()
    assert hub.subscriber_count == 2


async def test_job_events_and_snapshots_follow_what_the_user_may_see(
    app: Any, db: Database, ws_url: str, client: httpx.AsyncClient
) -> None:
    hub: EventHub = app.state.events
    alice = await make_user(app, "alice", Role.USER)
    rita = await make_user(app, "rita", Role.READONLY)

    async def system_job(job_type: str) -> int:
        async with db.writer() as session:
            job, _ = await jobs_service.enqueue(session, hub, job_type, {})
            await session.commit()
        return job.id

    async with http_client(app, await access_token(app, alice)) as as_alice:
        own = (await as_alice.post("/api/v1/jobs", json={"type": "test.sleep"})).json()["id"]
        admins = (await client.post("/api/v1/jobs", json={"type": "test.sleep"})).json()["id"]
        shared = await system_job("test.progress")  # a system job of a manager-level type: visible
        secret = await system_job("system.noop")  # an admin-only type: hidden
        # REST and the socket agree.
        listed = (await as_alice.get("/api/v1/jobs")).json()
        assert [j["id"] for j in listed["items"]] == [shared, own]
        assert listed["total"] == 2
        assert (await as_alice.get(f"/api/v1/jobs/{admins}")).status_code == 404
        assert (await as_alice.get(f"/api/v1/jobs/{secret}/logs")).status_code == 404
        assert (await as_alice.get(f"/api/v1/jobs/{own}")).status_code == 200

        async with connect(ws_url) as ws:
            await ws.send(orjson.dumps({"type": "auth", "token": await access_token(app, alice)}).decode())
            topics = ["jobs", f"job:{own}", f"job:{admins}", f"job:{secret}"]
            await ws.send(orjson.dumps({"type": "subscribe", "topics": topics}).decode())
            snapshots = {}
            for _ in topics:
                snapshot = await receive(ws, "snapshot")
                snapshots[snapshot["topic"]] = snapshot["data"]
            assert [j["id"] for j in snapshots["jobs"]["jobs"]] == [shared, own]
            assert snapshots[f"job:{own}"]["job"]["id"] == own
            assert snapshots[f"job:{admins}"] == {"job": None}
            assert snapshots[f"job:{secret}"] == {"job": None}

            # Events about hidden jobs never arrive, even on a topic named after the job.
            assert (await client.post(f"/api/v1/jobs/{admins}/cancel")).status_code == 200
            assert (await client.post(f"/api/v1/jobs/{secret}/cancel")).status_code == 200
            await client.post("/api/v1/jobs", json={"type": "test.sleep"})
            await system_job("system.noop")
            visible = await system_job("test.progress")
            assert (await as_alice.post(f"/api/v1/jobs/{own}/cancel")).status_code == 200
            first = await receive(ws, "job.created")
            assert first["data"]["id"] == visible
            finished = await receive(ws, "job.finished")
            assert finished["data"]["id"] == own

    async with connect(ws_url) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": await access_token(app, rita)}).decode())
        await ws.send('{"type": "subscribe", "topics": ["jobs"]}')
        snapshot = await receive(ws, "snapshot")
        assert [j["id"] for j in snapshot["data"]["jobs"]] == [visible, shared]
        await client.post("/api/v1/jobs", json={"type": "test.sleep"})
        last = await system_job("test.progress")
        assert (await receive(ws, "job.created"))["data"]["id"] == last


async def test_a_user_who_must_change_their_password_is_refused(app: Any, ws_url: str) -> None:
    user = await make_user(app, "newbie", Role.USER, must_change_password=True)
    async with connect(ws_url) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": await access_token(app, user)}).decode())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_handshake_credentials_from_another_site_do_not_count(
    ws_url: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page elsewhere cannot ride the browser's session (cross-site WebSocket hijacking)."""
    monkeypatch.setattr(ws_endpoints, "AUTH_TIMEOUT_S", 0.3)
    port = ws_url.split(":")[2].split("/")[0]
    credentials = {"Authorization": f"Bearer {token}"}
    async with connect(ws_url, additional_headers=credentials, origin="https://evil.example") as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed) as refused:
            await ws.recv()
    assert refused.value.rcvd is not None
    assert refused.value.rcvd.code == 4401

    async with connect(ws_url, additional_headers=credentials, origin=f"http://127.0.0.1:{port}") as ws:  # type: ignore[arg-type]
        await ws.send('{"type": "subscribe", "topics": ["library"]}')
        assert (await receive(ws, "snapshot"))["topic"] == "library"

    async with connect(ws_url, origin="https://other.example") as ws:  # type: ignore[arg-type]
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        await ws.send('{"type": "subscribe", "topics": ["library"]}')
        assert (await receive(ws, "snapshot"))["topic"] == "library", "an explicit token works from anywhere"


async def closed_with(ws: ClientConnection, within_s: float = 5) -> int:
    """The close code the server ends the socket with, within `within_s` (messages before it skipped)."""
    async with asyncio.timeout(within_s):
        with pytest.raises(ConnectionClosed) as closed:
            await drain(ws)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_signing_out_closes_the_socket(app: Any, ws_url: str) -> None:
    user = await make_user(app, "leaver", Role.USER)
    token = await access_token(app, user)
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send('{"type": "subscribe", "topics": ["library"]}')
        await receive(ws, "snapshot")
        async with http_client(app, token) as api:
            assert (await api.post("/api/v1/auth/logout")).status_code == 204
        assert await closed_with(ws) == 4401


async def test_a_role_change_closes_the_socket(app: Any, ws_url: str, client: httpx.AsyncClient) -> None:
    user = await make_user(app, "demoted", Role.MANAGER)
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {await access_token(app, user)}"}) as ws:
        await ws.send('{"type": "subscribe", "topics": ["jobs"]}')
        await receive(ws, "snapshot")
        changed = await client.patch(f"/api/v1/users/{user.id}", json={"role": "readonly"})
        assert changed.status_code == 200, changed.text
        assert await closed_with(ws) == 4401


async def test_revoking_its_api_key_closes_the_socket(app: Any, ws_url: str) -> None:
    user = await make_user(app, "scripter", Role.USER)
    async with http_client(app, await access_token(app, user)) as api:
        created = (await api.post("/api/v1/api-keys", json={"name": "events"})).json()
        async with connect(ws_url, additional_headers={"X-Api-Key": created["key"]}) as ws:
            await ws.send('{"type": "subscribe", "topics": ["library"]}')
            await receive(ws, "snapshot")
            assert (await api.delete(f"/api/v1/api-keys/{created['id']}")).status_code == 204
            assert await closed_with(ws) == 4401


async def test_a_socket_whose_caller_still_may_stays_open(ws_url: str, token: str) -> None:
    # Several re-checks (every 0.3 s here) pass, and pings keep coming.
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send('{"type": "subscribe", "topics": ["library"]}')
        await receive(ws, "snapshot")
        for _ in range(4):
            await receive(ws, "ping")
