"""Media-server connections against local servers that speak Jellyfin's, Plex's and Kodi's APIs:
one refresh per burst, path mapping, tests, and the servers' own ways of failing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.connections.clients import map_path
from mvidarr.models import Role
from mvidarr.notifications import catalogue
from tests.conftest import ClientAs, allow_private_hosts
from tests.fakes.receivers import (
    JELLYFIN_KEY,
    KODI_PASSWORD,
    KODI_USER,
    PLEX_TOKEN,
    FakeJellyfin,
    FakeKodi,
    FakePlex,
    serve,
)
from tests.notifications.helpers import deliveries, eventually, raise_now, running_worker

pytestmark = pytest.mark.anyio
MAPPING = [{"from": "/library", "to": "/data/musicvideos"}]


def test_path_mapping_takes_the_longest_prefix() -> None:
    mappings = [{"from": "/library", "to": "/media"}, {"from": "/library/4k", "to": "/uhd"}]
    assert map_path("/library/Björk/Hyper.mp4", mappings) == "/media/Björk/Hyper.mp4"
    assert map_path("/library/4k/Air/Sexy Boy.mkv", mappings) == "/uhd/Air/Sexy Boy.mkv"
    assert map_path("/library2/x.mp4", mappings) == "/library2/x.mp4"
    assert map_path("/elsewhere/x.mp4", []) == "/elsewhere/x.mp4"


async def _connect(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/connections", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _burst(app: Any, count: int = 3, removed: int = 0) -> None:
    for n in range(count):
        await raise_now(app.state.db, catalogue.VIDEO_IMPORTED, {"video_id": n, "path": f"/library/Air/{n}.mp4"})
    await raise_now(app.state.db, catalogue.VIDEO_DOWNLOADED, {"video_id": 99, "path": "/library/Moby/Porcelain.mp4"})
    for n in range(removed):
        await raise_now(app.state.db, catalogue.VIDEO_TRASHED, {"video_id": 50 + n, "path": f"/library/Old/{n}.mp4"})


async def _settle_refresh_delay(app: Any, seconds: int) -> None:
    from mvidarr.models import Setting

    async with app.state.db.writer() as session:
        session.add(Setting(key="connections.refresh_delay_s", value=seconds))
        await session.commit()


async def test_jellyfin_gets_one_refresh_per_burst_with_mapped_paths(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 1)
    with serve(FakeJellyfin()) as jellyfin:
        connection = await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token=JELLYFIN_KEY,
                                    path_mappings=MAPPING)  # fmt: skip
        assert connection["has_token"] is True
        assert "token" not in connection
        tested = (await client.post(f"/api/v1/connections/{connection['id']}/test")).json()
        assert tested == {"ok": True, "message": "Jellyfin den 10.10.3"}
        async with running_worker(app):
            await _burst(app, count=3, removed=1)
            await eventually(lambda: jellyfin.updates(), message="a refresh")
            rows = await eventually(lambda: _done(app), message="the refresh recorded")
        [updates] = jellyfin.updates()
        assert sorted((u["Path"], u["UpdateType"]) for u in updates) == [
            ("/data/musicvideos/Air/0.mp4", "Created"),
            ("/data/musicvideos/Air/1.mp4", "Created"),
            ("/data/musicvideos/Air/2.mp4", "Created"),
            ("/data/musicvideos/Moby/Porcelain.mp4", "Created"),
            ("/data/musicvideos/Old/0.mp4", "Deleted"),
        ]
        assert rows[0].response_body == "told Jellyfin of 5 changed paths"
        log = (await client.get(f"/api/v1/connections/{connection['id']}/deliveries")).json()
        assert log["total"] == 1
        assert log["items"][0]["status"] == "delivered"


async def _done(app: Any) -> list[Any]:
    rows = [r for r in await deliveries(app.state.db) if r.connection_id is not None]
    return rows if rows and all(r.status in ("delivered", "failed") for r in rows) else []


async def test_jellyfin_with_a_wrong_key_fails_without_retrying(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 0)
    with serve(FakeJellyfin()) as jellyfin:
        connection = await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token="wrong-key")
        tested = (await client.post(f"/api/v1/connections/{connection['id']}/test")).json()
        assert tested == {"ok": False, "message": "jellyfin refused the credentials (401)"}
        async with running_worker(app):
            await _burst(app, count=1)
            rows = await eventually(lambda: _done(app))
    assert (rows[0].status, rows[0].attempts, rows[0].response_status) == ("failed", 1, 401)


async def test_plex_partial_scans_the_folders_in_their_section(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 1)
    with serve(FakePlex()) as plex:
        connection = await _connect(client, name="plex", kind="plex", url=plex.base, token=PLEX_TOKEN,
                                    path_mappings=MAPPING)  # fmt: skip
        tested = (await client.post(f"/api/v1/connections/{connection['id']}/test")).json()
        assert tested == {"ok": True, "message": "Plex abc123 1.41.3.9314-a0bfb8370"}
        async with running_worker(app):
            await _burst(app, count=3)
            rows = await eventually(lambda: _done(app))
        assert rows[0].status == "delivered", rows[0].error
        assert sorted(plex.refreshes()) == [("4", "/data/musicvideos/Air"), ("4", "/data/musicvideos/Moby")]
        assert all(r.headers.get("x-plex-token") == PLEX_TOKEN for r in plex.received)


async def test_plex_without_a_section_for_the_path_says_so(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 0)
    with serve(FakePlex()) as plex:
        await _connect(client, name="plex", kind="plex", url=plex.base, token=PLEX_TOKEN)  # no mapping
        async with running_worker(app):
            await _burst(app, count=1)
            rows = await eventually(lambda: _done(app))
        assert rows[0].status == "failed"
        assert "no Plex library section holds /library/Air" in (rows[0].error or "")
        assert plex.refreshes() == []


async def test_kodi_scans_each_directory_and_reports_json_rpc_errors(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 1)
    with serve(FakeKodi(sources=["/storage/videos/"])) as kodi:
        connection = await _connect(client, name="kodi", kind="kodi", url=kodi.base, username=KODI_USER,
                                    password=KODI_PASSWORD, path_mappings=[{"from": "/library",
                                                                            "to": "/storage/videos"}])  # fmt: skip
        assert connection["has_password"] is True
        tested = (await client.post(f"/api/v1/connections/{connection['id']}/test")).json()
        assert tested == {"ok": True, "message": "Kodi answered the ping"}
        async with running_worker(app):
            await _burst(app, count=2, removed=1)
            rows = await eventually(lambda: _done(app))
        assert rows[0].status == "delivered", rows[0].error
        calls = [(c["method"], c.get("params", {}).get("directory")) for c in kodi.calls()]
        assert calls[0] == ("JSONRPC.Ping", None)
        assert calls[1:] == [
            ("VideoLibrary.Clean", None),
            ("VideoLibrary.Scan", "/storage/videos/Air/"),
            ("VideoLibrary.Scan", "/storage/videos/Moby/"),
        ]
        # A directory Kodi has no source for: its JSON-RPC error object becomes the reason.
        await client.patch(f"/api/v1/connections/{connection['id']}", json={"path_mappings": []})
        first = rows[0].id

        async def second() -> list[Any]:
            return [r for r in await _done(app) if r.id != first]

        async with running_worker(app):
            await _burst(app, count=1)
            [failed] = await eventually(second)
        assert failed.status == "failed"
        assert failed.error == "Kodi VideoLibrary.Scan: Invalid params. (-32602)"


async def test_connections_are_admin_only_and_obey_the_network_policy(
    app: Any, client: httpx.AsyncClient, client_as: ClientAs
) -> None:
    body = {"name": "den", "kind": "jellyfin", "url": "http://127.0.0.1:8096", "token": "k"}
    refused = await client.post("/api/v1/connections", json=body)
    assert refused.status_code == 422
    assert "network.allowed_private_hosts" in refused.json()["detail"]
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/connections")).status_code == 403
    await allow_private_hosts(app)
    created = await _connect(client, **body)
    assert (await client.post("/api/v1/connections", json=body)).status_code == 409
    missing_token = await client.post("/api/v1/connections", json={**body, "name": "x", "token": None})
    assert missing_token.status_code == 422
    bad_mapping = await client.post(
        "/api/v1/connections", json={**body, "name": "y", "path_mappings": [{"from": "relative", "to": "/x"}]}
    )
    assert bad_mapping.status_code == 422
    changed = await client.patch(f"/api/v1/connections/{created['id']}", json={"enabled": False, "token": "new"})
    assert changed.json()["enabled"] is False
    assert (await client.delete(f"/api/v1/connections/{created['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/connections/{created['id']}")).status_code == 404


async def test_too_many_changes_make_a_full_scan(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mvidarr.notifications import worker

    monkeypatch.setattr(worker, "MAX_REFRESH_PATHS", 3)
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 1)
    with serve(FakeJellyfin()) as jellyfin, serve(FakePlex()) as plex:
        await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token=JELLYFIN_KEY)
        await _connect(client, name="plex", kind="plex", url=plex.base, token=PLEX_TOKEN)
        async with running_worker(app):
            await _burst(app, count=5)
            rows = await eventually(lambda: _both(app))
        assert all(row.status == "delivered" for row in rows), [row.error for row in rows]
        assert all(row.payload["full"] is True for row in rows)
        assert [r.path for r in jellyfin.received] == ["/Library/Refresh"]
        assert jellyfin.updates() == []
        assert sorted(plex.refreshes()) == [("1", None), ("4", None)]


async def _both(app: Any) -> list[Any]:
    rows = await _done(app)
    return rows if len(rows) == 2 else []


async def test_a_path_trashed_then_placed_again_is_refreshed_as_changed(app: Any, client: httpx.AsyncClient) -> None:
    """An upgrade trashes the old file and puts the new one at the same path: the server must keep it."""
    await allow_private_hosts(app)
    await _settle_refresh_delay(app, 1)
    with serve(FakeJellyfin()) as jellyfin:
        await _connect(client, name="den", kind="jellyfin", url=jellyfin.base, token=JELLYFIN_KEY)
        async with running_worker(app):
            path = "/library/Röyksopp/Röyksopp - Eple.mp4"
            await raise_now(app.state.db, catalogue.VIDEO_TRASHED, {"video_id": 1, "path": path})
            await raise_now(app.state.db, catalogue.VIDEO_UPGRADED, {"video_id": 1, "path": path})
            await eventually(lambda: _done(app))
    assert jellyfin.updates() == [[{"Path": path, "UpdateType": "Created"}]]
