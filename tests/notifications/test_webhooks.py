"""Webhook targets: the API, signed deliveries from the outbox, retries, the log and replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from mvidarr.db import utcnow
from mvidarr.models import Delivery, OutboxEvent, Role
from mvidarr.notifications import catalogue
from mvidarr.notifications.senders import sign, verify
from tests.conftest import ClientAs, allow_private_hosts
from tests.fakes.receivers import WebhookReceiver, serve
from tests.notifications.helpers import deliveries, eventually, raise_now, running_worker

pytestmark = pytest.mark.anyio
SECRET = "s3cret-webhook-key"


async def _webhook(client: httpx.AsyncClient, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/notifications",
        json={"name": extra.pop("name", "hook"), "kind": "webhook", "url": url, "secret": SECRET, **extra}
        | {"events": events},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    signature = sign("key", "1700000000", b'{"a":1}')
    assert signature.startswith("sha256=")
    assert len(signature) == 7 + 64
    assert verify("key", "1700000000", b'{"a":1}', signature)
    assert not verify("key", "1700000001", b'{"a":1}', signature)
    assert not verify("other", "1700000000", b'{"a":1}', signature)


async def test_a_raised_event_reaches_the_webhook_signed(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    with serve(WebhookReceiver(secret=SECRET)) as receiver:
        target = await _webhook(client, receiver.base + "/hook", ["video.downloaded"])
        assert target["has_secret"] is True
        assert "secret" not in target
        async with running_worker(app):
            await raise_now(app.state.db, catalogue.VIDEO_DOWNLOADED, {"video_id": 7, "title": "Creep"})
            await raise_now(app.state.db, catalogue.JOB_FAILED, {"job_id": 1})  # not subscribed
            await eventually(lambda: receiver.verified >= 1, message="webhook received")
            rows = await eventually(lambda: _delivered(app), message="delivery recorded")
        assert len(receiver.received) == 1
        request = receiver.received[0]
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-mvidarr-event"] == "video.downloaded"
        body = request.json()
        assert body["event"] == "video.downloaded"
        assert body["data"] == {"video_id": 7, "title": "Creep"}
        assert request.headers["x-mvidarr-delivery"] == str(rows[0].id)
        log = (await client.get(f"/api/v1/notifications/{target['id']}/deliveries")).json()
        assert log["total"] == 1
        item = log["items"][0]
        assert item["status"] == "delivered"
        assert item["attempts"] == 1
        assert item["response_status"] == 200
        assert item["response_body"] == '{"ok": true}'
    async with app.state.db.reader() as session:
        events = (await session.execute(select(OutboxEvent))).scalars().all()
    assert all(event.dispatched_at is not None for event in events)


async def _delivered(app: Any) -> list[Delivery]:
    rows = await deliveries(app.state.db)
    return rows if rows and all(r.status == "delivered" for r in rows) else []


async def test_a_failing_receiver_is_retried_with_backoff_then_replayed(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    with serve(WebhookReceiver(secret=SECRET, fail_first=1)) as receiver:
        target = await _webhook(client, receiver.base + "/hook", ["download.failed"])
        async with running_worker(app) as worker:
            await raise_now(app.state.db, catalogue.DOWNLOAD_FAILED, {"video_id": 3, "reason": "gone"})
            await eventually(lambda: len(receiver.received) >= 1)
            row = (await eventually(lambda: _status(app, "pending", attempts=1)))[0]
            assert row.error == "the receiver answered 500"
            assert row.response_status == 500
            wait = (row.next_attempt_at - utcnow()).total_seconds()
            assert 1.0 < wait <= 5.0  # the first backoff: 2.5..5 s
            # Let the retry come due now instead of waiting.
            async with app.state.db.writer() as session:
                await session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
                await session.commit()
            worker.wake()
            await eventually(lambda: _status(app, "delivered", attempts=2))
            replayed = await client.post(f"/api/v1/notifications/deliveries/{row.id}/replay")
            assert replayed.status_code == 202
            assert replayed.json()["status"] == "pending"
            await eventually(lambda: len(receiver.received) == 3)
            await eventually(lambda: len([r for r in receiver.received if r.path == "/hook"]) == 3)
        bodies = [r.json() for r in receiver.received]
        assert bodies[0]["id"] == bodies[2]["id"]  # the replay carries the same event
        log = (await client.get(f"/api/v1/notifications/{target['id']}/deliveries")).json()
        assert log["total"] == 2


async def _status(app: Any, status: str, attempts: int) -> list[Delivery]:
    rows = await deliveries(app.state.db)
    return [r for r in rows if r.status == status and r.attempts == attempts]


async def test_a_client_error_is_not_retried(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    with serve(WebhookReceiver(secret="another-secret-entirely")) as receiver:  # wrong secret: 401
        await _webhook(client, receiver.base + "/hook", ["job.failed"])
        async with running_worker(app):
            await raise_now(app.state.db, catalogue.JOB_FAILED, {"job_id": 9})
            rows = await eventually(lambda: _status(app, "failed", attempts=1))
    assert rows[0].response_status == 401
    assert "bad signature" in (rows[0].response_body or "")


async def test_a_send_cut_short_by_a_dead_worker_is_sent_again(app: Any, client: httpx.AsyncClient) -> None:
    """A worker killed mid-send leaves the delivery `sending` with a lease; once the lease lapses
    another worker sends it (at least once: the receiver can tell by X-MVidarr-Delivery)."""
    await allow_private_hosts(app)
    with serve(WebhookReceiver(secret=SECRET)) as receiver:
        target = await _webhook(client, receiver.base + "/hook", ["video.imported"])
        async with app.state.db.writer() as session:
            session.add(
                Delivery(target_id=target["id"], event_type="video.imported", payload={"event": "video.imported",
                         "id": 1, "data": {}}, status="sending", attempts=1, max_attempts=8,
                         next_attempt_at=utcnow(), lease_until=utcnow() - timedelta(seconds=1), created_at=utcnow())
            )  # fmt: skip
            await session.commit()
        async with running_worker(app):
            await eventually(lambda: _status(app, "delivered", attempts=2))
        assert len(receiver.received) == 1


async def test_webhook_urls_obey_the_network_policy(app: Any, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/notifications",
        json={"name": "lan", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "events": ["job.failed"]},
    )
    assert response.status_code == 422
    assert "network.allowed_private_hosts" in response.json()["detail"]
    await allow_private_hosts(app)
    created = await client.post(
        "/api/v1/notifications",
        json={"name": "lan", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "events": ["job.failed"]},
    )
    assert created.status_code == 201
    # Allowed when created, refused later: the send checks again and does not retry a refusal.
    await allow_private_hosts(app, ["10.9.9.9"])
    async with running_worker(app):
        await raise_now(app.state.db, catalogue.JOB_FAILED, {"job_id": 2})
        rows = await eventually(lambda: _status(app, "failed", attempts=1))
    assert "refused by the network policy" in (rows[0].error or "")


async def test_send_test_and_the_delivery_log(app: Any, client: httpx.AsyncClient) -> None:
    await allow_private_hosts(app)
    with serve(WebhookReceiver(secret=SECRET)) as receiver:
        target = await _webhook(client, receiver.base + "/hook", [])
        sent = await client.post(f"/api/v1/notifications/{target['id']}/test")
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "delivered"
        assert sent.json()["event_type"] == "test"
        assert receiver.received[0].json()["event"] == "test"
        receiver.secret = "changed-on-the-receiver"
        failed = (await client.post(f"/api/v1/notifications/{target['id']}/test")).json()
        assert failed["status"] == "failed"
        assert failed["response_status"] == 401
    log = (await client.get(f"/api/v1/notifications/{target['id']}/deliveries")).json()
    assert [item["status"] for item in log["items"]] == ["failed", "delivered"]


async def test_targets_crud_and_write_only_secrets(app: Any, client: httpx.AsyncClient, client_as: ClientAs) -> None:
    await allow_private_hosts(app)
    target = await _webhook(client, "http://127.0.0.1:9/a", ["video.downloaded", "video.downloaded"])
    assert target["events"] == ["video.downloaded"]
    listed = (await client.get("/api/v1/notifications")).json()
    assert listed["total"] == 1
    assert SECRET not in str(listed)
    changed = await client.patch(f"/api/v1/notifications/{target['id']}", json={"secret": None, "enabled": False})
    assert changed.json()["has_secret"] is False
    assert changed.json()["enabled"] is False
    duplicate = await client.post(
        "/api/v1/notifications", json={"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/b"}
    )
    assert duplicate.status_code == 409
    bad = await client.post("/api/v1/notifications", json={"name": "x", "kind": "webhook", "events": ["nope"]})
    assert bad.status_code == 422
    types = (await client.get("/api/v1/notifications/event-types")).json()
    assert {t["type"] for t in types} == set(catalogue.CATALOGUE)
    reader = await client_as(Role.READONLY)
    assert (await reader.get("/api/v1/notifications")).status_code == 403
    manager = await client_as(Role.MANAGER)
    assert (await manager.get(f"/api/v1/notifications/{target['id']}")).status_code == 200
    assert (await client.delete(f"/api/v1/notifications/{target['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/notifications/{target['id']}")).status_code == 404
