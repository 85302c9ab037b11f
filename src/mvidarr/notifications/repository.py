"""Queries of the outbox, the targets, the connections and the delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.models import Delivery, DeliveryStatus, MediaServerConnection, NotificationTarget, OutboxEvent


async def undispatched(session: AsyncSession, limit: int) -> Sequence[OutboxEvent]:
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def enabled_targets(session: AsyncSession) -> Sequence[NotificationTarget]:
    stmt = select(NotificationTarget).where(NotificationTarget.enabled.is_(True)).order_by(NotificationTarget.id)
    return (await session.execute(stmt)).scalars().all()


async def enabled_connections(session: AsyncSession) -> Sequence[MediaServerConnection]:
    stmt = select(MediaServerConnection).where(MediaServerConnection.enabled.is_(True))
    return (await session.execute(stmt.order_by(MediaServerConnection.id))).scalars().all()


async def waiting_refresh(session: AsyncSession, connection_id: int) -> Delivery | None:
    """The connection's refresh not sent yet, which new paths join (locked: two workers dispatching at
    once on PostgreSQL take turns instead of one overwriting the other's paths)."""
    stmt = (
        select(Delivery)
        .where(
            Delivery.connection_id == connection_id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == 0,
        )
        .order_by(Delivery.id)
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Delivery]:
    """Deliveries to send now: pending and due, or sending with a lapsed lease (their worker died)."""
    stmt = (
        select(Delivery)
        .where(
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
                and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
            )
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def anything_to_do(session: AsyncSession, now: datetime) -> bool:
    """An event not dispatched yet, or a delivery due (pending, or sending past its lease)."""
    event = select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).limit(1)
    if (await session.execute(event)).first() is not None:
        return True
    due = select(Delivery.id).where(
        or_(
            and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
        )
    )
    return (await session.execute(due.limit(1))).first() is not None


async def targets_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, NotificationTarget]:
    if not ids:
        return {}
    rows = (await session.execute(select(NotificationTarget).where(NotificationTarget.id.in_(ids)))).scalars()
    return {row.id: row for row in rows}


async def connections_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, MediaServerConnection]:
    if not ids:
        return {}
    stmt = select(MediaServerConnection).where(MediaServerConnection.id.in_(ids))
    return {row.id: row for row in (await session.execute(stmt)).scalars()}


async def record(session: AsyncSession, delivery_id: int, attempt: int, values: dict[str, object]) -> None:
    """Store an attempt's outcome, unless the delivery was taken over meanwhile (its lease lapsed)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.attempts == attempt, Delivery.status == DeliveryStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def prune(session: AsyncSession, events_before: datetime, deliveries_before: datetime) -> None:
    await session.execute(
        delete(OutboxEvent).where(OutboxEvent.dispatched_at.is_not(None), OutboxEvent.dispatched_at < events_before)
    )
    await session.execute(
        delete(Delivery).where(
            Delivery.status.in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]),
            Delivery.finished_at < deliveries_before,
        )
    )


async def deliveries(
    session: AsyncSession, *, target_id: int | None = None, connection_id: int | None = None, limit: int, offset: int
) -> tuple[Sequence[Delivery], int]:
    from sqlalchemy import func

    where = Delivery.target_id == target_id if target_id is not None else Delivery.connection_id == connection_id
    rows = (
        await session.execute(select(Delivery).where(where).order_by(Delivery.id.desc()).limit(limit).offset(offset))
    ).scalars()
    total = await session.scalar(select(func.count()).select_from(Delivery).where(where))
    return list(rows), int(total or 0)
