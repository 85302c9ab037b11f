"""downloads

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 12:00:00

Downloads: blocklist and download history, and the best quality a source offered on each video.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "blocklist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=2048), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("artist_seen", sa.String(length=500), nullable=True),
        sa.Column("title_seen", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_blocklist_entry_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_entry")),
    )
    with op.batch_alter_table("blocklist_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blocklist_entry_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_blocklist_entry_source_key_video_id", ["source_key", "video_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_blocklist_entry_video_id"), ["video_id"], unique=False)

    op.create_table(
        "download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("upgrade", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=True),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column("source_title", sa.String(length=500), nullable=True),
        sa.Column("source_channel", sa.String(length=255), nullable=True),
        sa.Column("candidates", _json(), nullable=False),
        sa.Column("failures", _json(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("format_id", sa.String(length=200), nullable=True),
        sa.Column("quality_label", sa.String(length=8), nullable=True),
        sa.Column("container", sa.String(length=32), nullable=True),
        sa.Column("video_codec", sa.String(length=32), nullable=True),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("downloaded_bytes", sa.BigInteger(), nullable=True),
        sa.Column("total_bytes", sa.BigInteger(), nullable=True),
        sa.Column("speed", sa.Double(), nullable=True),
        sa.Column("eta_s", sa.Double(), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("elapsed_s", sa.Double(), nullable=True),
        sa.Column("relative_path", sa.String(length=4096), nullable=True),
        sa.Column("started_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_download_job_id_job"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_download_video_id_video"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download")),
    )
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_download_finished_at"), ["finished_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_download_video_id"), ["video_id"], unique=False)

    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.add_column(sa.Column("best_available_label", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("best_available_checked_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.drop_column("best_available_checked_at")
        batch_op.drop_column("best_available_label")
    op.drop_table("download")
    op.drop_table("blocklist_entry")
