from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.models import Delivery
from mvidarr.notifications.catalogue import raise_event
from mvidarr.notifications.worker import DeliveryWorker


@asynccontextmanager
async def running_worker(app: Any, **options: Any) -> AsyncIterator[DeliveryWorker]:
    worker = DeliveryWorker(app.state.db, app.state.settings, poll_s=options.pop("poll_s", 0.05), **options)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2)


async def eventually(check: Callable[[], Any], within_s: float = 15.0, message: str = "condition") -> Any:
    """Poll `check` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + within_s
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {within_s} s")
        await asyncio.sleep(0.05)


async def raise_now(db: Database, type_: str, data: dict[str, Any]) -> None:
    async with db.writer() as session:
        await raise_event(session, type_, data)
        await session.commit()


async def deliveries(db: Database) -> list[Delivery]:
    async with db.reader() as session:
        return list((await session.execute(select(Delivery).order_by(Delivery.id))).scalars())


async def outbox(db: Database, type_: str | None = None) -> list[dict[str, Any]]:
    """The data of the catalogue events raised so far (of one type)."""
    from mvidarr.models import OutboxEvent

    async with db.reader() as session:
        stmt = select(OutboxEvent).order_by(OutboxEvent.id)
        if type_ is not None:
            stmt = stmt.where(OutboxEvent.type == type_)
        return [{"type": row.type, **row.data} for row in (await session.execute(stmt)).scalars()]
