"""Models and migrations agree: autogenerate finds nothing to do on a migrated database."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from mvidarr.db import Base, Database
from mvidarr.migrations import current_revision, head_revision

pytestmark = pytest.mark.anyio


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(db: Database) -> None:
    assert await current_revision(db.engine) == head_revision()
