"""discovery

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 12:00:00

Discovery: song keys, skip reasons, remembered removals, artist filters, monitors and their seen items.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Existing artists keep plain monitoring: add nullable, fill, then require.
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitor_new", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("min_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_duration_s", sa.Double(), nullable=True))
    op.execute(sa.text("UPDATE artist SET monitor_new = :no").bindparams(no=False))
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.alter_column("monitor_new", existing_type=sa.Boolean(), nullable=False)

    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.add_column(sa.Column("song_key", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("skip_reason", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_video_song_key"), ["song_key"], unique=False)

    op.create_table(
        "video_removal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("song_key", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version_key", sa.String(length=255), nullable=False),
        sa.Column("youtube_id", sa.String(length=32), nullable=True),
        sa.Column("imvdb_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artist.id"], name=op.f("fk_video_removal_artist_id_artist"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_removal")),
    )
    with op.batch_alter_table("video_removal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_removal_artist_id"), ["artist_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_video_removal_youtube_id"), ["youtube_id"], unique=False)

    op.create_table(
        "monitor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("filters", _json(), nullable=True),
        sa.Column("check_interval_hours", sa.Integer(), nullable=False),
        sa.Column("auto_download", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_checked_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artist.id"], name=op.f("fk_monitor_artist_id_artist"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor")),
    )
    with op.batch_alter_table("monitor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitor_artist_id"), ["artist_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitor_last_checked_at"), ["last_checked_at"], unique=False)

    op.create_table(
        "monitor_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("seen_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"], ["monitor.id"], name=op.f("fk_monitor_item_monitor_id_monitor"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_monitor_item_video_id_video"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_item")),
        sa.UniqueConstraint("monitor_id", "item_id", name=op.f("uq_monitor_item_monitor_id_item_id")),
    )
    with op.batch_alter_table("monitor_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitor_item_video_id"), ["video_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monitor_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_item_video_id"))
    op.drop_table("monitor_item")
    with op.batch_alter_table("monitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_last_checked_at"))
        batch_op.drop_index(batch_op.f("ix_monitor_artist_id"))
    op.drop_table("monitor")
    with op.batch_alter_table("video_removal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_removal_youtube_id"))
        batch_op.drop_index(batch_op.f("ix_video_removal_artist_id"))
    op.drop_table("video_removal")
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_song_key"))
        batch_op.drop_column("skip_reason")
        batch_op.drop_column("song_key")
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.drop_column("min_duration_s")
        batch_op.drop_column("min_year")
        batch_op.drop_column("monitor_new")
