"""trash

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:00:00

Trash entries: files moved into a root folder's `.mvidarr-trash/`, journaled before each move.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trash_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_folder_id", sa.Integer(), nullable=False),
        sa.Column("original_path", sa.String(length=4096), nullable=False),
        sa.Column("original_path_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("trash_path", sa.String(length=4096), nullable=False),
        sa.Column(
            "sidecars",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("artist_name", sa.String(length=255), nullable=True),
        sa.Column("video_title", sa.String(length=500), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("deleted_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("restorable_until", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["user.id"], name=op.f("fk_trash_entry_deleted_by_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["root_folder_id"],
            ["root_folder.id"],
            name=op.f("fk_trash_entry_root_folder_id_root_folder"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trash_entry")),
    )
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trash_entry_deleted_at"), ["deleted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_trash_entry_restorable_until"), ["restorable_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_trash_entry_root_folder_id"), ["root_folder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trash_entry_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trash_entry_state"))
        batch_op.drop_index(batch_op.f("ix_trash_entry_root_folder_id"))
        batch_op.drop_index(batch_op.f("ix_trash_entry_restorable_until"))
        batch_op.drop_index(batch_op.f("ix_trash_entry_deleted_at"))
    op.drop_table("trash_entry")
