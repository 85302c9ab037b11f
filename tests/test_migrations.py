"""Models and migrations agree: autogenerate finds nothing to do on a migrated database."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from mvidarr.db import Base, Database
from mvidarr.migrations import current_revision, head_revision, include_name

pytestmark = pytest.mark.anyio


def _diff(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "compare_server_default": True, "include_name": include_name}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(db: Database) -> None:
    assert await current_revision(db.engine) == head_revision()


def test_head_read_from_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from mvidarr.migrations import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.mark.sqlite_only
async def test_current_revision_of_a_database_never_migrated(tmp_path: object) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    empty = Database.connect(make_url(f"sqlite+aiosqlite:///{Path(str(tmp_path)) / 'empty.db'}"), pool_size=1)
    try:
        assert await current_revision(empty.engine) is None
    finally:
        await empty.dispose()


@pytest.mark.sqlite_only
def test_processes_migrating_together_take_turns(tmp_path: object) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    data = Path(str(tmp_path)) / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env["MVIDARR_DATA_DIR"] = str(data)
    runs = [
        subprocess.Popen([sys.executable, "-m", "mvidarr", "db", "upgrade"], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outcomes = [(run.wait(timeout=120), run.communicate()[1]) for run in runs]
    assert all(code == 0 for code, _ in outcomes), outcomes
