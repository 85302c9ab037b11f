"""Schema migrations (Alembic): run them, and tell whether a database is at head.

Alembic is imported only to migrate: the readiness check runs in every API process and answers
from the version files and the `alembic_version` table, without loading Alembic (about 8 MB).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
_REVISION = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:[^=]*)=\s*(.+)$", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    return config


@cache
def head_revision() -> str | None:
    """The revision no other revision builds on (read from the version files)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = sorted(revisions - parents)
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads: {', '.join(heads)}")
    return heads[0] if heads else None


@cache
def known_revisions() -> tuple[str, ...]:
    """Every revision this code has, oldest first (a backup at another one is from a newer MVidarr)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([r.revision for r in script.walk_revisions()]))


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


# Any constant both servers and workers agree on; it names the lock that serialises migrations.
_MIGRATION_LOCK = 0x4D5669646172  # "MVidar"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database to `revision` in one transaction.

    Processes that start together (several workers, a server and its workers) take turns: the
    first migrates, the others then find the database at head and do nothing.
    """
    dialect = engine.dialect.name
    locked = engine.execution_options(sqlite_begin="IMMEDIATE") if dialect == "sqlite" else engine
    async with locked.begin() as conn:
        if dialect == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        await conn.run_sync(_upgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    async with engine.connect() as conn:
        try:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except DBAPIError:
            return None


# Schema objects no model describes: SQLite's FTS5 search index (a virtual table and its shadow
# tables), and PostgreSQL's stored tsvector of the search documents and its index (migration 0014).
_UNMODELLED = re.compile(r"^(search_fts(_\w+)?|search_vocab|ix_search_document_fts)$")


def include_name(name: str | None, type_: str, parent_names: MutableMapping[Any, str | None]) -> bool:
    """Alembic's filter for comparing models with a database: the search index's objects are left out."""
    if type_ == "column" and name == "vector" and parent_names.get("table_name") == "search_document":
        return False
    return name is None or not _UNMODELLED.match(name)


async def downgrade_in(conn: AsyncConnection, revision: str) -> None:
    """Migrate down to `revision` inside the caller's transaction (a restore of an older backup)."""
    await conn.run_sync(_downgrade, revision)


async def upgrade_in(conn: AsyncConnection, revision: str) -> None:
    """Migrate up to `revision` inside the caller's transaction."""
    await conn.run_sync(_upgrade, revision)
