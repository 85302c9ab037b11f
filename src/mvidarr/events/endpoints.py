"""`/api/v1/ws`: subscribe to topics, get a snapshot of each, then live events.

Protocol (API.md): the client may authenticate by cookie, or by a first message
`{"type": "auth", "token": "..."}` within 5 s; then `{"type": "subscribe", "topics": [...]}` /
`{"type": "unsubscribe", ...}`; `{"type": "ping"}` is answered with a pong. The server sends
`{"type": "snapshot", "topic", "data"}` per subscribed topic, events, and a ping every 20 s.
Close codes: 4400 bad frame, 4401 not authenticated, 4408 too slow (queue overflowed),
1001 server going away.

Job events and snapshots follow the REST API's visibility (`jobs.service.may_see`): managers and
admins see every job; users and read-only users their own jobs and system jobs of types that are
not admin-only. A `job:<id>` topic of a job the caller may not see reads as a missing job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from mvidarr.auth.guard import API_KEY_HEADER, Principal
from mvidarr.config import SettingsDep
from mvidarr.db import Database, utcnow
from mvidarr.events.hub import Subscription
from mvidarr.jobs import repository as jobs_repository
from mvidarr.jobs import service as jobs_service
from mvidarr.jobs import transitions
from mvidarr.jobs.service import Actor
from mvidarr.state import DatabaseDep, EventsDep

router = APIRouter(tags=["events"])
log = logging.getLogger("mvidarr.events")

AUTH_TIMEOUT_S = 5.0
MAX_FRAME = 16 * 1024
MAX_TOPICS = 200
SNAPSHOT_JOBS = 200
TOPIC = re.compile(r"^(jobs|library|notifications|job:[1-9][0-9]{0,9})$")
CLOSE_BAD_FRAME = 4400
CLOSE_UNAUTHENTICATED = 4401
# How often an open socket asks whether its caller still may listen (the session check is cached for
# `session_check_s`, and revocations over NOTIFY apply at once).
RECHECK_S = 5.0
CLOSE_TOO_SLOW = 4408
CLOSE_GOING_AWAY = 1001


class BadFrame(Exception):
    pass


def _iso_now() -> str:
    return utcnow().isoformat().replace("+00:00", "Z")


def _parse(raw: str | bytes) -> dict[str, Any]:
    if len(raw) > MAX_FRAME:
        raise BadFrame("frame too large")
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadFrame("frames must be JSON objects") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadFrame('frames must be JSON objects with a "type"')
    return message


async def _receive(ws: WebSocket) -> dict[str, Any] | None:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    raw = message.get("text")
    if raw is None:
        raw = message.get("bytes") or b""
    return _parse(raw)


def _cross_site(ws: WebSocket) -> bool:
    """A browser page from another site opened this socket (its cookie must not count)."""
    origin = ws.headers.get("origin")
    if not origin:
        return False  # not a browser: programs authenticate with tokens or keys
    parsed = urlsplit(origin)
    if parsed.netloc and parsed.netloc == ws.headers.get("host"):
        return False
    return origin.rstrip("/") not in ws.app.state.settings.cors_origins


@dataclass(frozen=True, slots=True)
class Caller:
    """Who opened the socket, and how to ask whether they still may (sign-out, revocation, role change)."""

    actor: Actor
    principal: Principal | None = None
    api_key: str | None = None
    opened_at: float = 0.0

    async def still_valid(self, ws: WebSocket) -> bool:
        guard = getattr(ws.app.state, "auth", None)
        if guard is None or self.principal is None:
            return True
        try:
            return bool(await guard.still_valid(self.principal, self.opened_at, self.api_key))
        except Exception:  # the database unreachable for a moment: keep the socket, ask again later
            log.warning("could not re-check a websocket's session", exc_info=True)
            return True


async def _authenticate(ws: WebSocket, first: dict[str, Any] | None) -> Caller | None:
    """Who the caller is, if the REST API would accept them (cookie, token or API key).

    Credentials the browser adds by itself (the cookie) count only for pages of this site, so a
    page elsewhere cannot ride a signed-in user's session (cross-site WebSocket hijacking).
    """
    guard = getattr(ws.app.state, "auth", None)
    if guard is None:
        # An app without identity (benchmarks): no credentials anywhere.
        return Caller(actor=jobs_service.SYSTEM_ACTOR)
    opened_at = time.time()
    api_key: str | None = None
    try:
        principal = None if _cross_site(ws) else await guard.authenticate(ws)
        if principal is not None and principal.via == "api_key":
            api_key = _handshake_api_key(ws)
        if principal is None and first is not None and first.get("type") == "auth":
            token = str(first.get("token") or "")
            if token.startswith("mvk_") or first.get("api_key"):
                api_key = str(first.get("api_key") or token)
                principal = await guard.from_api_key(api_key)
            elif token:
                principal = await guard.from_token(token)
    except Exception:  # any credential failure is "not authenticated"
        return None
    if principal is None or principal.must_change_password:
        return None
    return Caller(
        actor=Actor(user_id=principal.user_id, role=principal.role),
        principal=principal,
        api_key=api_key,
        opened_at=opened_at,
    )


def _handshake_api_key(ws: WebSocket) -> str | None:
    """The API key the handshake carried (header, bearer or query), to check it again later."""
    authorization = ws.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return ws.headers.get(API_KEY_HEADER) or ws.query_params.get("api_key")


async def _snapshot(db: Database, topic: str, viewer: Actor) -> dict[str, Any]:
    """The current state of a topic, as far as `viewer` may see it (a hidden job reads as missing)."""
    async with db.reader() as session:
        if topic == "jobs":
            jobs = await jobs_repository.active(session, SNAPSHOT_JOBS, jobs_service.visibility(viewer))
            return {"jobs": [transitions.job_data(job) for job in jobs]}
        if topic.startswith("job:"):
            job = await jobs_repository.get(session, int(topic.split(":", 1)[1]))
            if job is None or not jobs_service.may_see(viewer, job.type, job.created_by):
                return {"job": None}
            return {"job": transitions.job_data(job)}
    return {}


async def _send(ws: WebSocket, lock: asyncio.Lock, message: dict[str, Any]) -> None:
    async with lock:
        await ws.send_text(orjson.dumps(message).decode())


async def _sender(
    ws: WebSocket, lock: asyncio.Lock, subscription: Subscription, heartbeat_s: float, caller: Caller
) -> int:
    """Forward events; ping when idle; every few seconds ask whether the caller still may listen (a
    sign-out, a revoked session or key, a role change closes the socket with 4401). Answers the close
    code when the subscription ends."""
    tick_s = min(heartbeat_s, RECHECK_S)
    last_ping = last_check = time.monotonic()
    while True:
        idle = False
        try:
            async with asyncio.timeout(tick_s):
                payload = await subscription.queue.get()
        except TimeoutError:
            idle = True
        now = time.monotonic()
        if now - last_check >= tick_s:
            last_check = now
            if not await caller.still_valid(ws):
                return CLOSE_UNAUTHENTICATED
        if idle:
            if now - last_ping >= heartbeat_s - 0.001:
                last_ping = now
                await _send(ws, lock, {"type": "ping", "at": _iso_now()})
            continue
        if payload is None:
            return CLOSE_TOO_SLOW if subscription.overflowed else CLOSE_GOING_AWAY
        async with lock:
            await ws.send_text(payload.decode())


@router.websocket("/ws", name="events")
async def events_socket(ws: WebSocket, events: EventsDep, db: DatabaseDep, settings: SettingsDep) -> None:
    heartbeat_s = float(settings.ws_heartbeat_s)
    await ws.accept()
    subscription: Subscription | None = None
    sender: asyncio.Task[int] | None = None
    code = 1000
    try:
        caller = await _authenticate(ws, None)
        if caller is None:
            try:
                async with asyncio.timeout(AUTH_TIMEOUT_S):
                    first = await _receive(ws)
            except TimeoutError:
                first = None
            caller = await _authenticate(ws, first) if first is not None else None
            if caller is None:
                code = CLOSE_UNAUTHENTICATED
                return
        viewer = caller.actor
        subscription = events.subscribe(accepts=jobs_service.event_filter(viewer))
        lock = asyncio.Lock()
        sender = asyncio.create_task(_sender(ws, lock, subscription, heartbeat_s, caller), name="mvidarr-ws-send")
        receiver: asyncio.Task[dict[str, Any] | None] | None = None
        while True:
            receiver = asyncio.ensure_future(_receive(ws))
            done, _pending = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
            if sender in done:
                receiver.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, BadFrame):
                    await receiver
                code = sender.result()
                return
            message = receiver.result()
            if message is None:
                code = 1000
                return
            await _handle(ws, lock, db, subscription, viewer, message)
    except BadFrame as exc:
        code = CLOSE_BAD_FRAME
        log.info("websocket closed: %s", exc)
    except WebSocketDisconnect:
        code = 1000
    finally:
        if subscription is not None:
            subscription.close()
        if sender is not None and not sender.done():
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
        with contextlib.suppress(Exception):
            await ws.close(code)


async def _handle(
    ws: WebSocket, lock: asyncio.Lock, db: Database, subscription: Subscription, viewer: Actor, message: dict[str, Any]
) -> None:
    kind = message["type"]
    if kind == "ping":
        await _send(ws, lock, {"type": "pong", "at": _iso_now()})
        return
    if kind == "pong" or kind == "auth":
        return
    if kind not in ("subscribe", "unsubscribe"):
        raise BadFrame(f"unknown message type {kind!r}")
    topics = message.get("topics")
    if not isinstance(topics, list) or not all(isinstance(t, str) and TOPIC.match(t) for t in topics):
        raise BadFrame('"topics" must be a list of: jobs, library, notifications, job:<id>')
    if kind == "unsubscribe":
        subscription.topics.difference_update(topics)
        return
    if len(subscription.topics | set(topics)) > MAX_TOPICS:
        raise BadFrame(f"at most {MAX_TOPICS} topics per connection")
    for topic in topics:
        # Subscribed before the snapshot is read, so no event falls between the two; events that
        # arrive meanwhile wait behind the lock and follow the snapshot.
        async with lock:
            subscription.topics.add(topic)
            data = await _snapshot(db, topic, viewer)
            message = {"type": "snapshot", "topic": topic, "data": data, "at": _iso_now()}
            await ws.send_text(orjson.dumps(message).decode())
