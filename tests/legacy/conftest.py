"""A fresh MVidarr 0.9.7 database on MariaDB per test (random name, utf8mb4, dropped afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.legacy097 import LegacyDatabase, Realistic, create_legacy_database, load_realistic, require_mariadb


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
