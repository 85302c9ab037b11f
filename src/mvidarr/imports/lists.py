"""Saved import lists: kept with their credentials (answered only as set / not set), synced by hand or
on a schedule through the same reading and matching as a one-off import (`sources`, `service`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import CONFLICT, InvalidInput, NotFound
from mvidarr.imports.schemas import (
    NEEDS,
    ArtistImport,
    ImportListCreate,
    ImportListPublic,
    ImportListUpdate,
    ImportResult,
)
from mvidarr.models import ImportList
from mvidarr.network.policy import NetworkPolicy

MAX_LISTS = 200


class ImportListNotFound(NotFound):
    def __init__(self, list_id: int) -> None:
        super().__init__(f"import list {list_id} does not exist")


def public(row: ImportList) -> ImportListPublic:
    return ImportListPublic(
        id=row.id,
        name=row.name,
        source=row.source,  # type: ignore[arg-type]  # stored from ImportSource
        url=row.url,
        api_key_set=row.api_key is not None,
        user=row.user,
        access_token_set=row.access_token is not None,
        limit=row.limit,
        enabled=row.enabled,
        sync_interval_hours=row.sync_interval_hours,
        last_synced_at=row.last_synced_at,
        last_added=row.last_added,
        last_error=row.last_error,
    )


async def list_lists(session: AsyncSession) -> list[ImportListPublic]:
    rows = (await session.execute(select(ImportList).order_by(ImportList.name).limit(MAX_LISTS))).scalars()
    return [public(row) for row in rows]


async def get_list(session: AsyncSession, list_id: int) -> ImportList:
    row = await session.get(ImportList, list_id)
    if row is None:
        raise ImportListNotFound(list_id)
    return row


async def _unique(session: AsyncSession, name: str, exclude_id: int | None = None) -> None:
    taken = await session.scalar(select(ImportList.id).where(ImportList.name == name))
    if taken is not None and taken != exclude_id:
        raise InvalidInput(f"an import list named {name!r} exists", loc=("body", "name"), type_=CONFLICT)


async def create_list(session: AsyncSession, data: ImportListCreate, policy: NetworkPolicy) -> ImportListPublic:
    if data.url is not None:
        await policy.check_url(str(data.url))  # before the first statement: no transaction is open meanwhile
    await _unique(session, data.name)
    fields = data.model_dump(exclude={"url"})
    row = ImportList(**fields, url=str(data.url) if data.url is not None else None)
    session.add(row)
    await session.flush()
    return public(row)


async def update_list(
    session: AsyncSession, list_id: int, data: ImportListUpdate, policy: NetworkPolicy
) -> ImportListPublic:
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:  # the schema states these as not nullable: left out, or a value
            raise InvalidInput(f"{name} may be left out but not sent as null", loc=("body", name))
    if changes.get("url") is not None:
        changes["url"] = str(changes["url"])
        await policy.check_url(changes["url"])
    row = await get_list(session, list_id)
    if "name" in changes:
        await _unique(session, changes["name"], exclude_id=list_id)
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    return public(row)


async def delete_list(session: AsyncSession, list_id: int) -> None:
    await session.delete(await get_list(session, list_id))
    await session.flush()


def request_of(row: ImportList, *, dry_run: bool) -> ArtistImport:
    """The one-off import this list stands for."""
    fields = {name: getattr(row, name) for name in NEEDS[row.source]}
    return ArtistImport.model_validate({"source": row.source, "limit": row.limit, "dry_run": dry_run, **fields})


def record(row: ImportList, now: datetime, *, result: ImportResult | None, error: str | None) -> None:
    """What a sync did, shown on the list: when, how many it added, or why it failed."""
    row.last_synced_at = now
    row.last_added = result.added if result is not None else None
    row.last_error = error[:500] if error else None


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Enabled lists whose interval has passed since their last sync (never synced: due)."""
    rows = (
        await session.execute(
            select(ImportList.id, ImportList.last_synced_at, ImportList.sync_interval_hours)
            .where(ImportList.enabled.is_(True))
            .order_by(ImportList.id)
            .limit(MAX_LISTS)
        )
    ).all()
    return [
        r.id
        for r in rows
        if r.last_synced_at is None or r.last_synced_at + timedelta(hours=r.sync_interval_hours) <= now
    ]
