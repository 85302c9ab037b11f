"""Alembic environment: runs on the connection MVidarr hands it, or on MVIDARR_DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from mvidarr.db import Base
from mvidarr.migrations import include_name
from mvidarr.models import Artist  # noqa: F401  (registers every model on Base.metadata)

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    from mvidarr.config import Settings
    from mvidarr.db import Database

    db = Database.connect(Settings().database, pool_size=1)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await db.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_from_settings())
