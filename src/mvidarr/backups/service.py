"""Backups (decision 0034): a zip holding a consistent copy of the database, the runtime settings,
the secret key sealed with a passphrase (or left out, with a warning) and a manifest (version,
migration, row counts, checksums); listing, retention, and restore with a dry run.

One module past 400 lines on purpose: creating, listing, pruning and restoring all read and write
the one archive format (manifest, sealed key, checksums), which is defined here once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import orjson
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mvidarr import __version__
from mvidarr.backups import snapshot
from mvidarr.backups.schemas import BackupList, BackupPublic, Manifest, RestorePlan, TableChange
from mvidarr.config import SECRET_KEY_FILE, Settings
from mvidarr.db import Database
from mvidarr.errors import CONTENT, Conflict, InvalidInput, NotFound
from mvidarr.kit.atomic import write_atomic
from mvidarr.kit.sealing import Sealer, SealError
from mvidarr.migrations import downgrade_in, head_revision, known_revisions, upgrade, upgrade_in
from mvidarr.models import Job, JobStatus, Setting
from mvidarr.settings import transfer
from mvidarr.settings.registry import REGISTRY

log = logging.getLogger("mvidarr.backups")
FORMAT = 1
PREFIX = "mvidarr-backup-"
MANIFEST = "manifest.json"
SETTINGS = "settings.json"
SECRET = "secret.json"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.jsonl"}
PG_DUMP_FILE = "database.pgdump"
MEMBERS = {MANIFEST, SETTINGS, SECRET, PG_DUMP_FILE, *DATABASE_FILES.values()}
_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class BackupNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no backup named {name!r}")


class BackupInvalid(InvalidInput):
    """The file is not a backup MVidarr can read: not a zip, no manifest, a checksum that differs."""


class BackupRefused(Conflict):
    """A backup that cannot be restored here: from a newer MVidarr, or of the other database kind."""


def folder(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def backup_path(settings: Settings, name: str) -> Path:
    """The backup `name` in the backups folder (no other path: names with separators are refused)."""
    if not name.startswith(PREFIX) or not name.endswith(".zip") or not set(name) <= _NAME_OK or ".." in name:
        raise BackupNotFound(name)
    path = folder(settings) / name
    if not path.is_file():
        raise BackupNotFound(name)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _workdir(settings: Settings) -> Iterator[Path]:
    base = settings.data_dir / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=base, prefix=".backup-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _seal_secret(secret: str, passphrase: str) -> bytes:
    salt = os.urandom(16)
    sealed = Sealer.from_passphrase(passphrase, salt).seal(secret)
    return orjson.dumps({"kdf": "scrypt", "salt": base64.b64encode(salt).decode("ascii"), "sealed": sealed})


def _open_secret(raw: bytes, passphrase: str) -> str:
    document = orjson.loads(raw)
    try:
        return Sealer.from_passphrase(passphrase, base64.b64decode(document["salt"])).open(document["sealed"])
    except SealError:
        raise InvalidInput(
            "the passphrase does not open the backup's secret key", loc=("body", "passphrase"), type_=CONTENT
        ) from None


def _pack(work: Path, members: list[str], target: Path) -> None:
    """Write the zip next to its final place, then move it there whole (blocking)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    # Level 1: a SQLite file shrinks to about a third at that level; higher levels cost seconds more.
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in members:
            archive.write(work / name, arcname=name)
    os.replace(partial, target)


def _target(settings: Settings, to: Path | None, now: datetime) -> Path:
    name = f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%S}Z.zip"
    if to is None:
        target = folder(settings) / name
    elif to.is_dir():
        target = to / name
    else:
        target = to
    counter = 1
    while target.exists():
        target = target.with_name(f"{target.stem.rsplit('.', 1)[0]}.{counter}.zip")
        counter += 1
    return target


async def create(
    db: Database,
    settings: Settings,
    *,
    passphrase: str | None,
    now: datetime,
    to: Path | None = None,
    progress: Callable[[float, str], object] | None = None,
) -> tuple[Path, Manifest]:
    """Write a backup (into the backups folder, or `to`); answers its path and manifest."""
    secret = settings.resolve_secret_key()
    app_sealer = Sealer.from_secret(secret)
    dialect: Literal["sqlite", "postgresql"] = "sqlite" if db.is_sqlite else "postgresql"
    database_name = DATABASE_FILES[dialect]
    warnings: list[str] = []
    schema: str | None = None
    with _workdir(settings) as work:
        if db.is_sqlite:
            await asyncio.to_thread(snapshot.sqlite_copy, snapshot.database_file(db), work / database_name)
            counts, revision = await asyncio.to_thread(snapshot.sqlite_counts, work / database_name)
        else:
            counts, revision, schema, database_name = await _copy_postgres(db, work, warnings)
        if progress is not None:
            progress(0.6, "database copied")
        async with db.reader() as session:
            document = await transfer.export_document(session, app_sealer=app_sealer, passphrase=passphrase, now=now)
        (work / SETTINGS).write_bytes(document.model_dump_json(indent=2).encode())
        members = [database_name, SETTINGS]
        if passphrase:
            (work / SECRET).write_bytes(await asyncio.to_thread(_seal_secret, secret, passphrase))
            members.append(SECRET)
            if settings.secret_key is not None:
                warnings.append(
                    "the secret key comes from MVIDARR_SECRET_KEY: a restore writes it to the data folder, "
                    "but the environment variable wins while it is set"
                )
        else:
            warnings.append(
                "no passphrase: the secret key is left out; another installation cannot open this one's "
                "sessions, two-factor secrets or secret settings (they must be entered again)"
            )
        checksums = {name: await asyncio.to_thread(_sha256, work / name) for name in members}
        manifest = Manifest(
            format=FORMAT,
            mvidarr_version=__version__,
            created_at=now,
            database=dialect,
            database_file=database_name,
            database_schema=schema,
            migration=revision,
            row_counts=counts,
            checksums=checksums,
            secret_key="sealed" if passphrase else "left_out",
            warnings=warnings,
        )
        (work / MANIFEST).write_bytes(manifest.model_dump_json(indent=2).encode())
        target = _target(settings, to, now)
        await asyncio.to_thread(_pack, work, [MANIFEST, *members], target)
    log.info("backup written to %s (%d tables, schema %s)", target, len(counts), revision)
    return target, manifest


async def _copy_postgres(db: Database, work: Path, warnings: list[str]) -> tuple[dict[str, int], str | None, str, str]:
    """pg_dump's archive where pg_dump is installed and can dump this server, else the logical export;
    answers row counts, revision, schema and the database file's name."""
    schema = await snapshot.current_schema(db)
    pg_dump = snapshot.pg_tool("pg_dump")
    if pg_dump is not None:
        try:
            counts, revision, schema = await snapshot.dump_postgres(db, work / PG_DUMP_FILE, pg_dump)
            return counts, revision, schema, PG_DUMP_FILE
        except snapshot.PgToolFailed as exc:
            (work / PG_DUMP_FILE).unlink(missing_ok=True)
            log.warning("backup: %s; writing a logical export instead", exc)
            warnings.append(f"{exc}; the backup holds a logical export instead (restorable without pg_restore)")
    counts, revision = await snapshot.export_postgres(db, work / DATABASE_FILES["postgresql"])
    return counts, revision, schema, DATABASE_FILES["postgresql"]


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file, without checking the other files (blocking)."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MANIFEST)
        return Manifest.model_validate_json(raw)
    except (zipfile.BadZipFile, KeyError, ValidationError, OSError) as exc:
        raise BackupInvalid(f"{path.name} is not an MVidarr backup ({type(exc).__name__})") from None


def verify(path: Path, work: Path) -> Manifest:
    """Unpack a backup into `work`, checking every file against the manifest (blocking)."""
    manifest = read_manifest(path)
    if manifest.format != FORMAT:
        raise BackupInvalid(f"backup format {manifest.format} is not supported (expected {FORMAT})")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if not names <= MEMBERS:
            raise BackupInvalid(f"unexpected files in the backup: {', '.join(sorted(names - MEMBERS))}")
        for name, expected in manifest.checksums.items():
            if name not in names or name == MANIFEST:
                raise BackupInvalid(f"{name} is missing from the backup")
            with archive.open(name) as source, (work / name).open("wb") as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
            if _sha256(work / name) != expected:
                raise BackupInvalid(f"{name} does not match its checksum: the backup is damaged")
    if manifest.database_file not in manifest.checksums:
        raise BackupInvalid("the backup holds no database")
    return manifest


def _public(path: Path, manifest: Manifest | None) -> BackupPublic:
    stat = path.stat()
    return BackupPublic(
        name=path.name,
        size=stat.st_size,
        created_at=manifest.created_at if manifest else datetime.fromtimestamp(stat.st_mtime, UTC),
        mvidarr_version=manifest.mvidarr_version if manifest else None,
        migration=manifest.migration if manifest else None,
        database=manifest.database if manifest else None,
        secret_key=manifest.secret_key if manifest else None,
        row_counts=manifest.row_counts if manifest else {},
        warnings=manifest.warnings if manifest else ["not readable as a backup"],
    )


def _listing(settings: Settings) -> BackupList:
    items = []
    for path in folder(settings).glob(f"{PREFIX}*.zip"):
        try:
            manifest: Manifest | None = read_manifest(path)
        except BackupInvalid:
            manifest = None
        items.append(_public(path, manifest))
    items.sort(key=lambda item: item.created_at, reverse=True)
    last = max((item.created_at for item in items if item.database), default=None)
    return BackupList(items=items, folder=str(folder(settings)), last_backup_at=last)


async def list_backups(settings: Settings) -> BackupList:
    return await asyncio.to_thread(_listing, settings)


async def describe(settings: Settings, path: Path) -> BackupPublic:
    return _public(path, await asyncio.to_thread(read_manifest, path))


async def prune(settings: Settings, keep: int) -> list[str]:
    """Delete the oldest backups in the folder beyond the newest `keep`; answers their names."""
    listing = await list_backups(settings)
    removed = []
    for item in listing.items[keep:]:
        (folder(settings) / item.name).unlink(missing_ok=True)
        removed.append(item.name)
    return removed


async def delete_backup(settings: Settings, name: str) -> None:
    backup_path(settings, name).unlink()


async def _current(db: Database) -> tuple[dict[str, int], str | None]:
    if db.is_sqlite:
        return await asyncio.to_thread(snapshot.sqlite_counts, snapshot.database_file(db))
    async with db.engine.connect() as conn:
        return await conn.run_sync(snapshot.database_counts)


def _check_revision(manifest: Manifest) -> None:
    if manifest.migration not in known_revisions():
        raise BackupRefused(
            f"the backup's schema ({manifest.migration}) is from a newer MVidarr ({manifest.mvidarr_version}); "
            f"upgrade MVidarr to at least that version, then restore"
        )


async def plan(db: Database, settings: Settings, path: Path, work: Path, *, passphrase: str | None) -> RestorePlan:
    """Check a backup and tell what restoring it would replace; changes nothing."""
    manifest = await asyncio.to_thread(verify, path, work)
    dialect = "sqlite" if db.is_sqlite else "postgresql"
    if manifest.database != dialect:
        raise BackupRefused(f"this is a {manifest.database} backup; this installation runs on {dialect}")
    _check_revision(manifest)
    if manifest.database_file == PG_DUMP_FILE:
        await _check_pg_restore(db, manifest, work / PG_DUMP_FILE)
    counts, revision = await _current(db)
    warnings = list(manifest.warnings)
    secret_key: Literal["replaced", "kept"] = "kept"
    if manifest.secret_key == "sealed":
        if passphrase:
            await asyncio.to_thread(_open_secret, (work / SECRET).read_bytes(), passphrase)
            secret_key = "replaced"
            warnings.append("the secret key is replaced: restart MVidarr afterwards so every process uses it")
        else:
            warnings.append("no passphrase given: the backup's secret key is not restored")
    if secret_key == "kept":
        warnings.append(
            "this installation keeps its secret key: if the backup was made under another one, its secret "
            "settings cannot be opened and are cleared (enter them again), and two-factor sign-in must be set up again"
        )
    tables = [
        TableChange(table=name, current=counts.get(name), backup=manifest.row_counts.get(name, 0))
        for name in sorted(set(manifest.row_counts) | set(counts))
    ]
    return RestorePlan(
        backup=path.name,
        dry_run=True,
        backup_migration=manifest.migration,
        current_migration=revision,
        migrate_after=manifest.migration != head_revision(),
        tables=tables,
        secret_key=secret_key,
        warnings=warnings,
    )


async def _check_pg_restore(db: Database, manifest: Manifest, archive: Path) -> None:
    """A pg_dump backup needs pg_restore here, able to read it, and the schema it was taken from."""
    pg_restore = snapshot.pg_tool("pg_restore")
    if pg_restore is None:
        raise BackupRefused(
            "this backup was made with pg_dump: restoring it needs pg_restore (PostgreSQL's client programs, "
            "of the server's version or newer) on this machine; install them (e.g. the postgresql-client package)"
        )
    try:
        await snapshot.check_archive(archive, pg_restore)
    except snapshot.PgToolFailed as exc:
        raise BackupRefused(f"{exc}; install a pg_restore as new as the pg_dump that made the backup") from None
    schema = await snapshot.current_schema(db)
    if manifest.database_schema is not None and manifest.database_schema != schema:
        raise BackupRefused(
            f"this backup holds the PostgreSQL schema {manifest.database_schema!r}; this installation uses "
            f"{schema!r}: restore it into an installation on that schema (MVIDARR_DATABASE_SCHEMA)"
        )


def _write_secret(settings: Settings, secret: str) -> None:
    path = settings.data_dir / SECRET_KEY_FILE
    write_atomic(path, (secret + "\n").encode("ascii"), mode=0o600)


async def _clear_unreadable_secrets(db: Database, sealer: Sealer) -> list[str]:
    secret_keys = [key for key, definition in REGISTRY.items() if definition.secret]
    cleared = []
    async with db.writer() as session:
        rows = (await session.execute(select(Setting).where(Setting.key.in_(secret_keys)))).scalars()
        for row in rows:
            if Sealer.is_sealed(row.value):
                try:
                    sealer.open(row.value)
                except SealError:
                    cleared.append(row.key)
        if cleared:
            await session.execute(delete(Setting).where(Setting.key.in_(cleared)))
        await session.commit()
    return cleared


async def restore(
    db: Database, settings: Settings, path: Path, *, passphrase: str | None, dry_run: bool, refuse_running_jobs: bool
) -> RestorePlan:
    """Restore a backup (or, with `dry_run`, only tell what it would replace).

    The database is replaced whole; an older schema is migrated to this version's afterwards.
    """
    with _workdir(settings) as work:
        result = await plan(db, settings, path, work, passphrase=passphrase)
        if dry_run:
            return result
        if refuse_running_jobs:
            async with db.reader() as session:
                running = (await session.execute(select(Job.id).where(Job.status == JobStatus.RUNNING))).first()
            if running is not None:
                raise Conflict("jobs are running: wait for them to finish (or cancel them), then restore")
        manifest = read_manifest(path)
        source = work / manifest.database_file
        if db.is_sqlite:
            await asyncio.to_thread(snapshot.sqlite_restore, source, snapshot.database_file(db))
        elif manifest.database_file == PG_DUMP_FILE:
            await _restore_pg_dump(db, source, manifest.migration, result.current_migration)
        else:
            await _restore_postgres(db, source, manifest.migration, result.current_migration)
        if result.migrate_after:
            await upgrade(db.engine)
        secret = settings.resolve_secret_key()
        if result.secret_key == "replaced" and passphrase:
            secret = await asyncio.to_thread(_open_secret, (work / SECRET).read_bytes(), passphrase)
            await asyncio.to_thread(_write_secret, settings, secret)
        cleared = await _clear_unreadable_secrets(db, Sealer.from_secret(secret))
        warnings = [*result.warnings]
        if cleared:
            warnings.append(f"cleared secret settings that did not open: {', '.join(cleared)}")
    log.warning("restored backup %s (schema %s)", path.name, manifest.migration)
    return result.model_copy(update={"dry_run": False, "warnings": warnings})


async def _align(conn: AsyncConnection, target: str | None, current: str | None) -> None:
    """Bring the live schema to the backup's revision, so its tables are the backup's."""
    order = known_revisions()
    if target is not None and current is not None and current != target:
        if current in order and order.index(current) > order.index(target):
            await downgrade_in(conn, target)
        else:
            await upgrade_in(conn, target)
    elif current is None and target is not None:
        await upgrade_in(conn, target)


async def _restore_postgres(db: Database, source: Path, target: str | None, current: str | None) -> None:
    async with db.engine.begin() as conn:
        await _align(conn, target, current)
        await conn.run_sync(snapshot.import_rows, source)


async def _restore_pg_dump(db: Database, source: Path, target: str | None, current: str | None) -> None:
    """The schema is first brought to the backup's revision (so `--clean` leaves no table of a later
    one behind), then pg_restore replaces it in its own single transaction."""
    async with db.engine.begin() as conn:
        await _align(conn, target, current)
    pg_restore = snapshot.pg_tool("pg_restore")
    assert pg_restore is not None, "checked by plan()"
    await snapshot.restore_pg_dump(db, source, pg_restore, await snapshot.current_schema(db))
