"""A fresh MVidarr 0.9.7 database on MariaDB per test (random name, utf8mb4, dropped afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from tests.fixtures.legacy097 import LegacyDatabase, Realistic, create_legacy_database, load_realistic, require_mariadb
from tests.library.conftest import FAST


@pytest.fixture
def legacy_db() -> Iterator[LegacyDatabase]:
    require_mariadb()
    legacy = create_legacy_database()
    try:
        yield legacy
    finally:
        legacy.drop()


@pytest.fixture
def realistic(legacy_db: LegacyDatabase, tmp_path: Path) -> Realistic:
    workdir = tmp_path / "mvidarr-0.9.7"
    workdir.mkdir()
    return load_realistic(legacy_db, workdir)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def runner(app: Any, db: Database, settings: Settings) -> AsyncIterator[Runner]:
    worker = Runner(db, app.state.events, settings, providers=app.state.providers, slots=2, run_schedules=False)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop(grace_s=2.0)
