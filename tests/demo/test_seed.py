"""`seed-demo`'s library lands where the app reads: the configured database and PostgreSQL schema."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.demo.seed import SeedRefused, seed_library
from mvidarr.models import Artist, Video
from tests.conftest import DatabaseTarget

pytestmark = pytest.mark.anyio


async def test_seeds_the_configured_schema_and_refuses_a_second_time(
    settings: Settings, db: Database, database_target: DatabaseTarget
) -> None:
    configured = settings.model_copy(update={"database_schema": database_target.pg_schema})
    summary = await seed_library(configured, artists=4, videos_per_artist=3, seed=7)
    assert "4 artists" in summary
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Artist)) == 4
        assert await session.scalar(select(func.count()).select_from(Video)) == 12
    if database_target.is_postgres:
        async with db.reader() as session:
            vacuumed, analysed = (
                await session.execute(
                    text(
                        "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                        "WHERE schemaname = :schema AND relname = 'video'"
                    ),
                    {"schema": database_target.pg_schema},
                )
            ).one()
        assert vacuumed, "a visibility map for the new rows"
        assert analysed, "statistics for the new rows"
    with pytest.raises(SeedRefused, match="already has 4 artist"):
        await seed_library(configured, artists=1, videos_per_artist=1)
