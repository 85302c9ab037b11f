"""A consistent copy of the database, and putting one back.

SQLite: the online backup API (one step, under a read lock, so the copy is one moment of the
database while the server keeps serving). Restoring uses the same API the other way, into the
live file, so connections already open see the restored database at their next statement.

PostgreSQL: with `pg_dump` on the machine, its custom-format archive of the app's schema, taken
from a snapshot exported by the same repeatable-read transaction that counts the rows (one moment
of the database); restored by `pg_restore --clean` in one transaction (decision 0058). Without
`pg_dump`, or when it cannot dump this server (an older client), a logical export: every table's
rows as JSON lines, read in one repeatable-read transaction; restored in one transaction: tables
emptied, rows inserted in foreign-key order, sequences moved past the highest id (decision 0034).
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import URL, Connection, MetaData, Table, func, select, text
from sqlalchemy import types as sa_types

from mvidarr.db import Database
from mvidarr.models.search_document import SearchDocument
from mvidarr.reads import sqlite_file

VERSION_TABLE = "alembic_version"
CHUNK_ROWS = 2000


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [str(name) for (name,) in rows]


def sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    """Rows per table and the migration revision of a SQLite file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = {}
        revision = None
        for name in _sqlite_tables(conn):
            if name == VERSION_TABLE:
                row = conn.execute(f'SELECT version_num FROM "{name}"').fetchone()
                revision = str(row[0]) if row else None
                continue
            counts[name] = int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        return counts, revision
    finally:
        conn.close()


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database file page by page through the backup API (blocking: run in a thread)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A standalone file: no WAL to carry along.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()


def sqlite_restore(snapshot: Path, live: Path) -> None:
    """Put `snapshot` into the live database file through the backup API (blocking)."""
    src = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=60)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()


def database_file(db: Database) -> Path:
    return Path(sqlite_file(db.engine.url))


# -- PostgreSQL ---------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot export {type(value).__name__}")


# Tables the database keeps itself by triggers (the search index): left out of the export, and
# written again by those triggers as the restore inserts their source rows.
DERIVED_TABLES = frozenset({SearchDocument.__tablename__})


def _stored(table: Table) -> list[Any]:
    """The columns a restore writes: generated columns (PostgreSQL's search vector) are computed."""
    return [column for column in table.columns if column.computed is None]


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    return metadata


async def export_postgres(db: Database, path: Path) -> tuple[dict[str, int], str | None]:
    """Every table's rows as JSON lines `{"t": table, "r": {column: value}}`, tables in foreign-key
    order and rows by primary key, all read in one repeatable-read transaction (one moment of the
    database); answers rows per table and the migration revision."""
    counts: dict[str, int] = {}
    async with db.engine.connect() as base:
        conn = await base.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            metadata = await conn.run_sync(_reflect)
            revision = (await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalar()
            with path.open("wb") as out:
                for table in metadata.sorted_tables:
                    if table.name == VERSION_TABLE or table.name in DERIVED_TABLES:
                        continue
                    columns = _stored(table)
                    order = list(table.primary_key.columns) or columns
                    result = await conn.stream(select(*columns).order_by(*order))
                    n = 0
                    names = [str(column.name) for column in columns]  # not quoted_name: orjson wants str keys
                    async for rows in result.partitions(CHUNK_ROWS):
                        lines = (
                            orjson.dumps(
                                {"t": str(table.name), "r": dict(zip(names, row, strict=True))}, default=_encode
                            )
                            for row in rows
                        )
                        out.write(b"\n".join(lines) + b"\n")
                        n += len(rows)
                    counts[table.name] = n
    return counts, str(revision) if revision is not None else None


def _decode(column_type: sa_types.TypeEngine[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"$b64"} and isinstance(column_type, sa_types.LargeBinary):
        return base64.b64decode(value["$b64"])
    if isinstance(column_type, sa_types.DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(column_type, sa_types.Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                item = orjson.loads(line)
                yield item["t"], item["r"]


def import_rows(conn: Connection, path: Path) -> dict[str, int]:
    """Empty every table and load the exported rows (blocking, in the caller's transaction, with
    the schema at the export's revision)."""
    metadata = _reflect(conn)
    tables = {t.name: t for t in metadata.sorted_tables if t.name != VERSION_TABLE}
    derived = [tables.pop(name) for name in DERIVED_TABLES if name in tables]
    if tables:
        names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in [*tables.values(), *derived])
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    counts: dict[str, int] = dict.fromkeys(tables, 0)
    batch: list[dict[str, Any]] = []
    current: Table | None = None

    def flush() -> None:
        if current is not None and batch:
            conn.execute(current.insert(), batch)
            counts[current.name] += len(batch)
            batch.clear()

    # The export wrote tables in foreign-key order, each table's rows by primary key.
    for name, row in _rows(path):
        if name in DERIVED_TABLES:
            continue  # written again by the triggers
        table = tables.get(name)
        if table is None:
            raise ValueError(f"the backup has rows for table {name!r}, which this schema lacks")
        if table is not current or len(batch) >= CHUNK_ROWS:
            flush()
            current = table
        batch.append({key: _decode(table.c[key].type, value) for key, value in row.items() if key in table.c})
    flush()
    for table in tables.values():
        if "id" in table.c and isinstance(table.c["id"].type, sa_types.Integer) and table.c["id"].primary_key:
            conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(table.name, "id"),
                        func.coalesce(select(func.max(table.c.id)).scalar_subquery(), 1),
                        select(func.max(table.c.id)).scalar_subquery().is_not(None),
                    )
                )
            )
    return counts


def database_counts(conn: Connection) -> tuple[dict[str, int], str | None]:
    """Rows per table and the revision of the live database (blocking)."""
    metadata = _reflect(conn)
    counts = {}
    for table in metadata.sorted_tables:
        if table.name != VERSION_TABLE:
            counts[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    revision = None
    if VERSION_TABLE in metadata.tables:
        revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return counts, str(revision) if revision is not None else None


class PgToolFailed(Exception):
    """pg_dump or pg_restore ended with an error; the message is its last lines."""


def pg_tool(name: str) -> str | None:
    """The path of a PostgreSQL client program (`pg_dump`, `pg_restore`) on PATH, or None."""
    return shutil.which(name)


def libpq_environment(url: URL) -> dict[str, str]:
    """The environment that points libpq programs at `url`'s database: the password goes in
    PGPASSWORD, never on a command line other users can read."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    host = url.host or url.query.get("host")
    values = {
        "PGHOST": host if isinstance(host, str) else None,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
        "PGCONNECT_TIMEOUT": "10",
    }
    env.update({key: value for key, value in values.items() if value})
    return env


async def _run(program: str, *args: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        program, *args, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, errors = await process.communicate()
    if process.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()[-3:]
        raise PgToolFailed(f"{os.path.basename(program)} failed: {' '.join(lines) or f'exit {process.returncode}'}")


async def dump_postgres(db: Database, path: Path, pg_dump: str) -> tuple[dict[str, int], str | None, str]:
    """pg_dump's custom-format archive of the app's schema into `path`; answers rows per table, the
    migration revision and the schema's name, all of one moment: the counts are read in the
    transaction whose exported snapshot pg_dump dumps."""
    async with db.engine.connect() as base:
        conn = await base.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            snapshot = str((await conn.execute(text("SELECT pg_export_snapshot()"))).scalar_one())
            schema = str((await conn.execute(text("SELECT current_schema()"))).scalar_one())
            counts, revision = await conn.run_sync(database_counts)
            await _run(
                pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}", "--no-owner",
                "--no-privileges", f"--file={path}", env=libpq_environment(db.engine.url),
            )  # fmt: skip
    return counts, revision, schema


async def restore_pg_dump(db: Database, path: Path, pg_restore: str, schema: str) -> None:
    """Replace the schema's tables, sequences, functions and triggers with the archive's, data
    included, in one transaction (an error leaves the database as it was)."""
    database = _conninfo_dbname(db.engine.url.database or "")
    await _run(
        pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
        "--no-privileges", f"--schema={schema}", f"--dbname={database}", str(path),
        env=libpq_environment(db.engine.url),
    )  # fmt: skip


async def check_archive(path: Path, pg_restore: str) -> None:
    """Whether `pg_restore` can read the archive (its format version, not damaged); changes nothing."""
    await _run(pg_restore, "--list", str(path), env=dict(os.environ))


def _conninfo_dbname(name: str) -> str:
    """`name` as a libpq connection string, so a name with `=` is not read as one."""
    return "dbname='" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


async def current_schema(db: Database) -> str:
    async with db.engine.connect() as conn:
        return str((await conn.execute(text("SELECT current_schema()"))).scalar_one())
