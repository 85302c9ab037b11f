"""what a trashed file's video was, so restoring it brings the video back with its id; saved import lists

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:00:00

A trash entry keeps the video row and the media_file row of its file as JSON (decision 0054);
restoring the file inserts them again, the video under its old id, so links to it keep working.
Entries trashed before this migration have none and are restored as before (a scan matches them).
An import list (Lidarr, Last.fm, Spotify) is saved with its credentials and synced on a schedule.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from mvidarr.db import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "snapshot",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    op.create_table(
        "import_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("api_key", sa.String(length=200), nullable=True),
        sa.Column("user", sa.String(length=100), nullable=True),
        sa.Column("access_token", sa.String(length=2000), nullable=True),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sync_interval_hours", sa.Integer(), nullable=False),
        sa.Column("last_synced_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_added", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_list")),
        sa.UniqueConstraint("name", name=op.f("uq_import_list_name")),
    )
    with op.batch_alter_table("import_list", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_list_last_synced_at"), ["last_synced_at"], unique=False)


def downgrade() -> None:
    op.drop_table("import_list")
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.drop_column("snapshot")
