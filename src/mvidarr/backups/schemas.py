from __future__ import annotations

from typing import Literal

from pydantic import Field

from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime


class Manifest(Schema):
    """`manifest.json` in every backup: what it holds and how to check it."""

    format: int = Field(description="Backup format, 1.")
    mvidarr_version: str
    created_at: UTCDatetime
    database: Literal["sqlite", "postgresql"]
    database_file: str = Field(
        description="`database.sqlite` (a SQLite file), `database.pgdump` (pg_dump's custom format) or "
        "`database.jsonl` (rows, where no pg_dump could dump the server)."
    )
    database_schema: str | None = Field(
        default=None, description="The PostgreSQL schema copied (a pg_dump backup restores into that schema)."
    )
    migration: str | None = Field(description="The schema revision of the copied database.")
    row_counts: dict[str, int]
    checksums: dict[str, str] = Field(description="SHA-256 of every other file in the backup.")
    secret_key: Literal["sealed", "left_out"] = Field(
        description="Whether the app's secret key is in the backup, sealed with the backup passphrase."
    )
    warnings: list[str] = Field(default_factory=list)


class BackupPublic(Schema):
    name: str = Field(description="File name in the backups folder.")
    size: int
    created_at: UTCDatetime
    mvidarr_version: str | None
    migration: str | None
    database: str | None
    secret_key: str | None
    row_counts: dict[str, int]
    warnings: list[str]


class BackupList(Schema):
    items: list[BackupPublic]
    folder: str = Field(description="Where backups are kept.")
    last_backup_at: UTCDatetime | None


class TableChange(Schema):
    table: str
    current: int | None = Field(description="Rows now; null when the table does not exist yet.")
    backup: int


class RestorePlan(Schema):
    """What a restore replaces (a dry run answers this without changing anything)."""

    backup: str
    dry_run: bool
    backup_migration: str | None
    current_migration: str | None
    migrate_after: bool = Field(description="The backup's schema is older; it is migrated after the restore.")
    tables: list[TableChange]
    secret_key: Literal["replaced", "kept"] = Field(
        description="`replaced` when the backup holds the secret key and the passphrase opens it."
    )
    warnings: list[str]


class RestoreRequest(InputSchema):
    dry_run: bool = Field(default=True, description="Only tell what would be replaced.")
    passphrase: str | None = Field(
        default=None, min_length=1, max_length=500, description="Opens the secret key in the backup."
    )


class BackupCreateRequest(InputSchema):
    passphrase: str | None = Field(
        default=None,
        min_length=8,
        max_length=500,
        description="Seals the secret key into the backup; defaults to the `backups.passphrase` setting. "
        "Without either the key is left out (sessions, two-factor secrets and sealed settings then "
        "cannot be read by another installation).",
    )
