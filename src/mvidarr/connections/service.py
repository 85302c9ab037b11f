"""Media-server connections: create, change, test; their refresh log (deliveries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.connections import clients, repository
from mvidarr.connections.schemas import (
    ConnectionCreate,
    ConnectionPublic,
    ConnectionTest,
    ConnectionUpdate,
    WatchLinkCreate,
    WatchLinkPublic,
    WatchLinkUpdate,
)
from mvidarr.connections.tasks import WATCH_SYNC, WatchSyncParams
from mvidarr.db import Database, utcnow
from mvidarr.errors import CONTENT, REFERENCE, Conflict, InvalidInput, NotFound
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import MediaServerConnection, WatchSyncLink
from mvidarr.network.policy import FetchFailed, FetchRefused, NetworkPolicy
from mvidarr.notifications import service as notifications
from mvidarr.notifications.schemas import DeliveryPublic
from mvidarr.notifications.senders import SendFailed


class ConnectionNotFound(NotFound):
    def __init__(self, connection_id: int) -> None:
        super().__init__(f"media-server connection {connection_id} does not exist")


def public(row: MediaServerConnection) -> ConnectionPublic:
    return ConnectionPublic(
        id=row.id,
        name=row.name,
        kind=row.kind,  # type: ignore[arg-type]
        url=row.url,
        has_token=bool(row.token),
        username=row.username,
        has_password=bool(row.password),
        path_mappings=list(row.path_mappings or []),
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _check_url(url: str, policy: NetworkPolicy) -> None:
    try:
        await policy.check_url(url)
    except FetchRefused as exc:
        raise InvalidInput(str(exc), loc=("body", "url"), type_=CONTENT) from None
    except FetchFailed:
        pass


async def _get(session: AsyncSession, connection_id: int) -> MediaServerConnection:
    row = await session.get(MediaServerConnection, connection_id)
    if row is None:
        raise ConnectionNotFound(connection_id)
    return row


async def _flush_named(session: AsyncSession, name: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"a connection named {name!r} exists") from None


def _mappings(raw: list[Any]) -> list[dict[str, str]]:
    return [{"from": m.from_.rstrip("/") or "/", "to": m.to.rstrip("/") or "/"} for m in raw]


async def list_connections(session: AsyncSession, page: PageParams) -> Page[ConnectionPublic]:
    total = await session.scalar(select(func.count()).select_from(MediaServerConnection))
    rows = await session.execute(
        select(MediaServerConnection).order_by(MediaServerConnection.name).limit(page.page_size).offset(page.offset)
    )
    return Page(
        items=[public(r) for r in rows.scalars()], total=int(total or 0), page=page.page, page_size=page.page_size
    )


async def get_connection(session: AsyncSession, connection_id: int) -> ConnectionPublic:
    return public(await _get(session, connection_id))


async def create_connection(session: AsyncSession, body: ConnectionCreate, policy: NetworkPolicy) -> ConnectionPublic:
    await _check_url(body.url, policy)
    now = utcnow()
    row = MediaServerConnection(
        name=body.name,
        kind=body.kind,
        url=body.url.rstrip("/"),
        token=body.token,
        username=body.username,
        password=body.password,
        path_mappings=_mappings(body.path_mappings),
        enabled=body.enabled,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await _flush_named(session, body.name)
    return public(row)


async def update_connection(
    session: AsyncSession, connection_id: int, body: ConnectionUpdate, policy: NetworkPolicy
) -> ConnectionPublic:
    row = await _get(session, connection_id)
    given = body.model_fields_set
    if body.url is not None:
        await _check_url(body.url, policy)
        row.url = body.url.rstrip("/")
    for key in ("name", "token", "username", "enabled"):
        value = getattr(body, key)
        if key in given and value is not None:
            setattr(row, key, value)
    if "password" in given:
        row.password = body.password
    if "username" in given and body.username is None:
        row.username = None
    if body.path_mappings is not None:
        row.path_mappings = _mappings(body.path_mappings)
    row.updated_at = utcnow()
    await _flush_named(session, row.name)
    return public(row)


async def delete_connection(session: AsyncSession, connection_id: int) -> None:
    await session.delete(await _get(session, connection_id))
    await session.flush()


async def check_connection(db: Database, connection_id: int, policy: NetworkPolicy) -> ConnectionTest:
    """Ask the server who it is (no database transaction is open meanwhile)."""
    async with db.reader() as session:
        row = await _get(session, connection_id)
    try:
        return ConnectionTest(ok=True, message=await clients.check(row, policy=policy))
    except SendFailed as exc:
        return ConnectionTest(ok=False, message=str(exc))


async def deliveries(session: AsyncSession, connection_id: int, page: PageParams) -> Page[DeliveryPublic]:
    await _get(session, connection_id)
    return await notifications.list_deliveries(session, page, connection_id=connection_id)


class WatchLinkNotFound(NotFound):
    def __init__(self, link_id: int) -> None:
        super().__init__(f"watched-state link {link_id} does not exist")


def link_public(row: WatchSyncLink, username: str) -> WatchLinkPublic:
    return WatchLinkPublic(
        id=row.id, connection_id=row.connection_id, user_id=row.user_id, username=username,
        remote_user=row.remote_user, has_token=bool(row.token), enabled=row.enabled,
        last_synced_at=row.last_synced_at, last_result=row.last_result, last_error=row.last_error,
        created_at=row.created_at,
    )  # fmt: skip


async def _link(session: AsyncSession, connection_id: int, link_id: int) -> WatchSyncLink:
    row = await session.get(WatchSyncLink, link_id)
    if row is None or row.connection_id != connection_id:
        raise WatchLinkNotFound(link_id)
    return row


async def _link_public(session: AsyncSession, row: WatchSyncLink) -> WatchLinkPublic:
    names = await repository.usernames(session, [row.user_id])
    return link_public(row, names.get(row.user_id, "?"))


async def list_links(session: AsyncSession, connection_id: int) -> list[WatchLinkPublic]:
    await _get(session, connection_id)
    rows = await repository.links(session, connection_id, enabled_only=False)
    names = await repository.usernames(session, [r.user_id for r in rows])
    return [link_public(r, names.get(r.user_id, "?")) for r in rows]


async def create_link(session: AsyncSession, connection_id: int, body: WatchLinkCreate) -> WatchLinkPublic:
    connection = await _get(session, connection_id)
    if not await repository.user_exists(session, body.user_id):
        raise InvalidInput(f"user {body.user_id} does not exist", loc=("body", "user_id"), type_=REFERENCE)
    if connection.kind == "jellyfin" and not body.remote_user:
        raise InvalidInput("a Jellyfin link names the server's user", loc=("body", "remote_user"), type_=CONTENT)
    existing = await repository.links(session, connection_id, enabled_only=False)
    if any(r.user_id == body.user_id for r in existing):
        raise Conflict(f"user {body.user_id} is linked to this connection already")
    if connection.kind == "kodi" and existing:
        raise Conflict("Kodi keeps one watched state (no users): a Kodi connection takes one link")
    row = WatchSyncLink(
        connection_id=connection_id, user_id=body.user_id, remote_user=body.remote_user, token=body.token,
        enabled=body.enabled, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return await _link_public(session, row)


async def update_link(
    session: AsyncSession, connection_id: int, link_id: int, body: WatchLinkUpdate
) -> WatchLinkPublic:
    connection = await _get(session, connection_id)
    row = await _link(session, connection_id, link_id)
    given = body.model_fields_set
    if "remote_user" in given:
        if connection.kind == "jellyfin" and not body.remote_user:
            raise InvalidInput("a Jellyfin link names the server's user", loc=("body", "remote_user"), type_=CONTENT)
        row.remote_user = body.remote_user
    if "token" in given:
        row.token = body.token
    if body.enabled is not None:
        row.enabled = body.enabled
    await session.flush()
    return await _link_public(session, row)


async def delete_link(session: AsyncSession, connection_id: int, link_id: int) -> None:
    await _get(session, connection_id)
    await session.delete(await _link(session, connection_id, link_id))
    await session.flush()


async def start_watch_sync(
    session: AsyncSession, events: EventHub, clock: Clock, connection_id: int, user_id: int
) -> JobPublic:
    """Enqueue the sync of the connection's links now (the running one is answered if there is one)."""
    await _get(session, connection_id)
    params = WatchSyncParams(connection_id=connection_id)
    job, _created = await jobs.enqueue(session, events, WATCH_SYNC, params, created_by=user_id, clock=clock)
    return jobs.public(job)
