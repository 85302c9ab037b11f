"""Media-server connections: create, change, test; their refresh log (deliveries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.connections import clients
from mvidarr.connections.schemas import ConnectionCreate, ConnectionPublic, ConnectionTest, ConnectionUpdate
from mvidarr.db import Database, utcnow
from mvidarr.errors import CONTENT, Conflict, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import MediaServerConnection
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
