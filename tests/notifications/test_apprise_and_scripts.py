"""Apprise targets (to a local JSON endpoint through apprise's json:// schema), custom scripts, and the
health watch that raises health events."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from mvidarr.notifications import catalogue
from tests.conftest import ClientAs, allow_private_hosts
from tests.fakes.receivers import WebhookReceiver, serve
from tests.notifications.helpers import deliveries, eventually, outbox, raise_now, running_worker

pytestmark = pytest.mark.anyio


async def test_apprise_sends_to_a_json_endpoint_and_hides_its_url(app: Any, client: httpx.AsyncClient) -> None:
    with serve(WebhookReceiver()) as receiver:
        url = receiver.base.replace("http://", "json://mvidarr:hidden-token@") + "/notify"
        refused = await client.post(
            "/api/v1/notifications", json={"name": "chat", "kind": "apprise", "url": url, "events": ["job.failed"]}
        )
        assert refused.status_code == 422, "a LAN host must be allowed first"
        await allow_private_hosts(app)
        created = await client.post(
            "/api/v1/notifications", json={"name": "chat", "kind": "apprise", "url": url, "events": ["job.failed"]}
        )
        assert created.status_code == 201, created.text
        target = created.json()
        assert target["url"] == "json://…"
        assert "hidden-token" not in (await client.get("/api/v1/notifications")).text
        tested = (await client.post(f"/api/v1/notifications/{target['id']}/test")).json()
        assert tested["status"] == "delivered", tested
        async with running_worker(app):
            await raise_now(app.state.db, catalogue.JOB_FAILED, {"job_id": 4, "job_type": "library.scan",
                                                                "error": "root folder gone"})  # fmt: skip
            await eventually(lambda: len(receiver.received) >= 2)
        posted = [r.json() for r in receiver.received]
        assert posted[0]["title"] == "MVidarr: Test notification"
        assert posted[1]["title"] == "MVidarr: Job failed"
        assert "root folder gone" in posted[1]["message"]
        credentials = base64.b64decode(receiver.received[1].headers["authorization"].split()[1])
        assert credentials == b"mvidarr:hidden-token"
        rows = await deliveries(app.state.db)
        assert all("hidden-token" not in (row.response_body or "") for row in rows)


async def test_an_unknown_apprise_url_is_refused(app: Any, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/notifications", json={"name": "bad", "kind": "apprise", "url": "nosuchservice://x/y"}
    )
    assert response.status_code == 422
    assert "not a URL Apprise understands" in response.json()["detail"]


def _script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


async def test_scripts_are_admin_only_and_stay_in_their_folder(
    app: Any, client: httpx.AsyncClient, client_as: ClientAs, tmp_path: Path
) -> None:
    folder = app.state.settings.scripts_folder
    _script(folder, "notify.sh", "echo hi\n")
    (tmp_path / "outside.sh").write_text("#!/bin/sh\necho escaped\n")
    manager = await client_as(Role.MANAGER)
    body = {"name": "script", "kind": "script", "script": "notify.sh", "events": ["video.downloaded"]}
    assert (await manager.post("/api/v1/notifications", json=body)).status_code == 403
    for escape in ("../outside.sh", "/bin/sh", "missing.sh", ".."):
        refused = await client.post("/api/v1/notifications", json={**body, "script": escape})
        assert refused.status_code == 422, escape
    (folder / "link.sh").symlink_to(tmp_path / "outside.sh")
    assert (await client.post("/api/v1/notifications", json={**body, "script": "link.sh"})).status_code == 422
    created = await client.post("/api/v1/notifications", json=body)
    assert created.status_code == 201
    target_id = created.json()["id"]
    assert (await manager.post(f"/api/v1/notifications/{target_id}/test")).status_code == 403
    assert (await manager.delete(f"/api/v1/notifications/{target_id}")).status_code == 403


async def test_a_script_gets_the_event_in_its_environment_and_its_output_is_logged(
    app: Any, client: httpx.AsyncClient
) -> None:
    folder = app.state.settings.scripts_folder
    _script(folder, "notify.sh", 'echo "event=$MVIDARR_EVENT video=$MVIDARR_VIDEO_ID title=$MVIDARR_TITLE"\n'
                                 'echo "home=${HOME:-unset}"\n')  # fmt: skip
    _script(folder, "slow.sh", "sleep 30\n")
    _script(folder, "broken.sh", "echo oops >&2\nexit 3\n")
    ids = {}
    for name in ("notify.sh", "slow.sh", "broken.sh"):
        created = await client.post(
            "/api/v1/notifications",
            json={"name": name, "kind": "script", "script": name, "events": ["video.downloaded"], "timeout_s": 1},
        )
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    async with running_worker(app):
        await raise_now(app.state.db, catalogue.VIDEO_DOWNLOADED, {"video_id": 12, "title": "Teardrop"})
        rows = await eventually(lambda: _finished(app, 3), within_s=20, message="three script deliveries finished")
    by_target = {row.target_id: row for row in rows}
    ok = by_target[ids["notify.sh"]]
    assert ok.status == "delivered"
    assert ok.response_body == "event=video.downloaded video=12 title=Teardrop\nhome=unset\n"
    slow = by_target[ids["slow.sh"]]
    assert slow.status == "failed"
    assert slow.error == "slow.sh ran longer than 1 s and was stopped"
    broken = by_target[ids["broken.sh"]]
    assert (broken.status, broken.response_status, broken.response_body) == ("failed", 3, "oops\n")


async def _finished(app: Any, count: int) -> list[Any]:
    rows = [r for r in await deliveries(app.state.db) if r.status in ("delivered", "failed")]
    return rows if len(rows) >= count else []


async def test_the_health_watch_raises_and_clears(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mvidarr.notifications import tasks
    from mvidarr.system import warnings
    from mvidarr.system.schemas import HealthWarning

    current: list[HealthWarning] = []

    async def fake_warnings(_ctx: Any) -> list[HealthWarning]:
        return list(current)

    monkeypatch.setattr(warnings, "warnings", fake_warnings)

    class Ctx:
        db = app.state.db
        settings = app.state.settings

        def now(self) -> Any:
            from mvidarr.db import utcnow

            return utcnow()

        def session(self) -> Any:
            return app.state.db.writer()

    current[:] = [
        HealthWarning(source="disk_space", level="warning", message="12 GB free on /data", fix_url="/system"),
        HealthWarning(source="yt_dlp", level="warning", message="yt-dlp 2024.1.1 is 700 days old", fix_url="/s"),
    ]
    assert await tasks.health_watch(Ctx(), tasks.HealthWatchParams()) == {"warnings": 2, "raised": 2, "cleared": 0}
    current[0] = HealthWarning(source="disk_space", level="warning", message="9 GB free on /data", fix_url="/system")
    assert await tasks.health_watch(Ctx(), tasks.HealthWatchParams()) == {"warnings": 2, "raised": 0, "cleared": 0}
    current[:] = current[1:]
    assert await tasks.health_watch(Ctx(), tasks.HealthWatchParams()) == {"warnings": 1, "raised": 0, "cleared": 1}
    events = await outbox(app.state.db)
    assert [e["type"] for e in events] == ["health.raised", "ytdlp.update_available", "health.cleared"]
    assert events[2]["message"] == "9 GB free on /data"
