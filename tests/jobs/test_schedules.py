"""`/api/v1/schedules` and firing schedules: CRUD, enable/disable, run-now, roles, bad input, and a
missed schedule running once after downtime (on the injectable clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.db import Database
from mvidarr.jobs import schedules
from mvidarr.models import Job, Role, Schedule
from tests.conftest import ClientAs
from tests.jobs.conftest import FakeClock

pytestmark = pytest.mark.anyio


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def app_clock(app: Any, clock: FakeClock) -> FakeClock:
    app.state.clock = clock
    return clock


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/schedules", json={"job_type": "test.sleep", **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def listed(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """The schedules by name (other packages ship schedules of their own)."""
    return {s["name"]: s for s in (await client.get("/api/v1/schedules")).json()}


async def jobs_of(db: Database, schedule_id: int) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count(Job.id)).where(Job.schedule_id == schedule_id)) or 0)


async def test_the_prune_schedule_ships_enabled(client: httpx.AsyncClient) -> None:
    prune = (await listed(client))["Prune job history"]
    assert prune["job_type"] == "system.prune_jobs"
    assert prune["cron"] == "17 3 * * *"
    assert prune["interval_s"] is None
    assert prune["enabled"] is True
    assert prune["builtin"] is True
    following = parse(prune["next_run_at"])
    assert (following.hour, following.minute) == (3, 17)
    # Shipped schedules can be disabled, not deleted.
    assert (await client.delete(f"/api/v1/schedules/{prune['id']}")).status_code == 409
    disabled = await client.patch(f"/api/v1/schedules/{prune['id']}", json={"enabled": False})
    assert disabled.json()["enabled"] is False


async def test_create_read_update_enable_disable_delete(client: httpx.AsyncClient, app_clock: FakeClock) -> None:
    made = await create(client, name="Nap", params={"seconds": 1}, interval_s=3600, priority=3)
    assert made["params"] == {"seconds": 1.0, "label": ""}
    assert made["priority"] == 3
    assert made["builtin"] is False
    assert made["last_run_at"] is None
    assert abs((parse(made["next_run_at"]) - app_clock.now()).total_seconds() - 3600) < 5
    got = await client.get(f"/api/v1/schedules/{made['id']}")
    assert got.json() == made
    names = [s["name"] for s in (await client.get("/api/v1/schedules")).json()]
    assert "Nap" in names
    assert names == sorted(names)

    to_cron = (await client.patch(f"/api/v1/schedules/{made['id']}", json={"cron": "30 4 * * *"})).json()
    assert to_cron["cron"] == "30 4 * * *"
    assert to_cron["interval_s"] is None
    assert (parse(to_cron["next_run_at"]).hour, parse(to_cron["next_run_at"]).minute) == (4, 30)
    back = (await client.patch(f"/api/v1/schedules/{made['id']}", json={"interval_s": 120})).json()
    assert back["cron"] is None
    assert back["interval_s"] == 120
    renamed = await client.patch(f"/api/v1/schedules/{made['id']}", json={"name": "Short nap", "params": {}})
    assert renamed.json()["name"] == "Short nap"
    assert renamed.json()["params"] == {"seconds": 0.0, "label": ""}

    off = (await client.patch(f"/api/v1/schedules/{made['id']}", json={"enabled": False})).json()
    assert off["enabled"] is False
    on = (await client.patch(f"/api/v1/schedules/{made['id']}", json={"enabled": True})).json()
    assert on["enabled"] is True

    assert (await client.delete(f"/api/v1/schedules/{made['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/schedules/{made['id']}")).status_code == 404
    assert (await client.delete(f"/api/v1/schedules/{made['id']}")).status_code == 404


async def test_run_now_starts_the_job_and_keeps_the_next_run(
    client: httpx.AsyncClient, db: Database, app_clock: FakeClock
) -> None:
    made = await create(client, name="Nap", params={"seconds": 2, "label": "now"}, interval_s=600)
    response = await client.post(f"/api/v1/schedules/{made['id']}/run")
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["type"] == "test.sleep"
    assert job["status"] == "queued"
    assert job["schedule_id"] == made["id"]
    assert job["params"] == {"seconds": 2.0, "label": "now"}
    assert job["created_by"] == 1
    after = (await client.get(f"/api/v1/schedules/{made['id']}")).json()
    assert after["last_job_id"] == job["id"]
    assert after["last_run_at"] is not None
    assert after["next_run_at"] == made["next_run_at"]
    assert await jobs_of(db, made["id"]) == 1
    assert (await client.post("/api/v1/schedules/999999/run")).status_code == 404


async def test_roles(client: httpx.AsyncClient, client_as: ClientAs) -> None:
    nap = await create(client, name="Nap", interval_s=600)
    prune = (await listed(client))["Prune job history"]
    for role in (Role.READONLY, Role.USER):
        member = await client_as(role)
        assert (await member.get("/api/v1/schedules")).status_code == 403
        assert (await member.post(f"/api/v1/schedules/{nap['id']}/run")).status_code == 403
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/schedules")).status_code == 200
    assert (await manager.get(f"/api/v1/schedules/{nap['id']}")).status_code == 200
    refused = await manager.post("/api/v1/schedules", json={"name": "x", "job_type": "test.sleep", "interval_s": 60})
    assert refused.status_code == 403
    assert (await manager.patch(f"/api/v1/schedules/{nap['id']}", json={"enabled": False})).status_code == 403
    assert (await manager.delete(f"/api/v1/schedules/{nap['id']}")).status_code == 403
    # Running a schedule out of its timetable is an admin's call, like changing it.
    assert (await manager.post(f"/api/v1/schedules/{nap['id']}/run")).status_code == 403
    assert (await manager.post(f"/api/v1/schedules/{prune['id']}/run")).status_code == 403
    assert (await client.post(f"/api/v1/schedules/{prune['id']}/run")).status_code == 202


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "x", "job_type": "test.sleep"}, 422, None),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 60, "cron": "* * * * *"}, 422, None),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 59}, 422, "interval_s"),
        ({"name": "x", "job_type": "test.sleep", "interval_s": "hourly"}, 422, "interval_s"),
        ({"name": "", "job_type": "test.sleep", "interval_s": 60}, 422, "name"),
        ({"name": "x" * 101, "job_type": "test.sleep", "interval_s": 60}, 422, "name"),
        ({"name": "x", "job_type": "Not A Type", "interval_s": 60}, 422, "job_type"),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 60, "colour": "red"}, 422, "colour"),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 60, "priority": 101}, 422, "priority"),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 60, "params": {"seconds": "long"}}, 422, None),
        ({"name": "x", "job_type": "test.sleep", "interval_s": 60, "params": {"label": "y" * 70_000}}, 413, None),
        ({"name": "x", "job_type": "video.nope", "interval_s": 60}, 404, None),
    ],
)
async def test_bad_input_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, field: str | None
) -> None:
    before = await listed(client)
    response = await client.post("/api/v1/schedules", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert any(field in error["loc"] for error in response.json()["errors"]), response.json()
    assert await listed(client) == before


async def test_bad_updates_are_refused(client: httpx.AsyncClient) -> None:
    made = await create(client, name="Nap", interval_s=600)
    await create(client, name="Other", interval_s=600)
    url = f"/api/v1/schedules/{made['id']}"
    assert (await client.patch(url, json={"name": "Other"})).status_code == 409
    twin = {"name": "Nap", "job_type": "test.sleep", "interval_s": 60}
    assert (await client.post("/api/v1/schedules", json=twin)).status_code == 409
    for body in (
        {"name": None},
        {"enabled": None},
        {"interval_s": 60, "cron": "* * * * *"},
        {"cron": "every day"},
        {"params": {"seconds": -1}},
        {"job_type": "system.noop"},
    ):
        response = await client.patch(url, json=body)
        assert response.status_code == 422, (body, response.text)
    assert (await client.patch("/api/v1/schedules/999999", json={"enabled": False})).status_code == 404
    assert (await client.get("/api/v1/schedules/0")).status_code == 422
    unchanged = (await client.get(url)).json()
    assert (unchanged["name"], unchanged["interval_s"], unchanged["cron"]) == ("Nap", 600, None)


@pytest.fixture
async def quiet(client: httpx.AsyncClient) -> None:
    """The shipped schedules disabled, so only the test's own fire."""
    for schedule in (await listed(client)).values():
        await client.patch(f"/api/v1/schedules/{schedule['id']}", json={"enabled": False})


async def test_a_missed_schedule_runs_once_after_downtime(
    app: Any, client: httpx.AsyncClient, db: Database, app_clock: FakeClock, quiet: None
) -> None:
    hub = app.state.events
    every_minute = await create(client, name="Every minute", interval_s=60)
    every_five = await create(client, name="Cron", cron="*/5 * * * *")
    off = await create(client, name="Off", interval_s=60, enabled=False)
    assert await schedules.fire_due(db, hub, app_clock) == 0

    app_clock.advance(6 * 3600)  # six hours down: 360 and 72 periods missed
    assert await schedules.fire_due(db, hub, app_clock) == 2
    assert await jobs_of(db, every_minute["id"]) == 1
    assert await jobs_of(db, every_five["id"]) == 1
    assert await jobs_of(db, off["id"]) == 0
    # The next runs count from now, not from the missed periods.
    minute = (await client.get(f"/api/v1/schedules/{every_minute['id']}")).json()
    assert abs((parse(minute["next_run_at"]) - app_clock.now()).total_seconds() - 60) < 1
    assert abs((parse(minute["last_run_at"]) - app_clock.now()).total_seconds()) < 1
    five = (await client.get(f"/api/v1/schedules/{every_five['id']}")).json()
    assert timedelta(0) < parse(five["next_run_at"]) - app_clock.now() <= timedelta(minutes=5)
    assert parse(five["next_run_at"]).minute % 5 == 0
    assert await schedules.fire_due(db, hub, app_clock) == 0

    # Without the cron one (which may fall due in the next minute too), the next minute fires once.
    await client.patch(f"/api/v1/schedules/{every_five['id']}", json={"enabled": False})
    app_clock.advance(61)
    assert await schedules.fire_due(db, hub, app_clock) == 1
    assert await jobs_of(db, every_minute["id"]) == 2


async def test_two_processes_firing_at_once_start_one_job(
    app: Any, client: httpx.AsyncClient, db: Database, app_clock: FakeClock, quiet: None
) -> None:
    made = await create(client, name="Every minute", interval_s=60)
    app_clock.advance(3600)
    fired = await asyncio.gather(*(schedules.fire_due(db, app.state.events, app_clock) for _ in range(3)))
    assert sum(fired) == 1
    assert await jobs_of(db, made["id"]) == 1


async def test_a_schedule_whose_job_type_is_gone_is_skipped_not_fatal(
    app: Any, client: httpx.AsyncClient, db: Database, app_clock: FakeClock, quiet: None
) -> None:
    made = await create(client, name="Ghost", interval_s=60)
    async with db.writer() as session:
        schedule = await session.get(Schedule, made["id"])
        assert schedule is not None
        schedule.job_type = "plugin.uninstalled"
        await session.commit()
    app_clock.advance(120)
    assert await schedules.fire_due(db, app.state.events, app_clock) == 0
    assert await jobs_of(db, made["id"]) == 0
    # Its next run moved on, so it is not retried in a tight loop.
    after = (await client.get(f"/api/v1/schedules/{made['id']}")).json()
    assert parse(after["next_run_at"]) > app_clock.now()
