"""organise

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00

File-move journal for the organiser (library.organize).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "file_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("media_file_id", sa.Integer(), nullable=True),
        sa.Column("root_folder_id", sa.Integer(), nullable=True),
        sa.Column("src_path", sa.String(length=4096), nullable=False),
        sa.Column("dst_path", sa.String(length=4096), nullable=False),
        sa.Column("dst_relative_path", sa.String(length=4096), nullable=False),
        sa.Column(
            "sidecars",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_file_move_job_id_job"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_file.id"],
            name=op.f("fk_file_move_media_file_id_media_file"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["root_folder_id"],
            ["root_folder.id"],
            name=op.f("fk_file_move_root_folder_id_root_folder"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_move")),
    )
    with op.batch_alter_table("file_move", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_move_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_move_media_file_id"), ["media_file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_move_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("file_move", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_move_state"))
        batch_op.drop_index(batch_op.f("ix_file_move_media_file_id"))
        batch_op.drop_index(batch_op.f("ix_file_move_job_id"))
    op.drop_table("file_move")
