"""watched-state sync: links of MVidarr users to media-server accounts, and the last agreed state

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 23:00:00

Decision 0055: a user's watched flag and resume position are synced both ways with their account
on a Jellyfin, Plex or Kodi connection (`watch_sync_link`); `watch_sync_item` keeps, per video,
the state both sides agreed on at the last sync, so the next one knows which side changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from mvidarr.db import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "watch_sync_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("remote_user", sa.String(length=200), nullable=True),
        sa.Column("token", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_synced_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_result", JSON, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["media_server_connection.id"],
            name=op.f("fk_watch_sync_link_connection_id_media_server_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_watch_sync_link_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_sync_link")),
        sa.UniqueConstraint("connection_id", "user_id", name=op.f("uq_watch_sync_link_connection_id_user_id")),
    )
    op.create_index(op.f("ix_watch_sync_link_user_id"), "watch_sync_link", ["user_id"], unique=False)
    op.create_table(
        "watch_sync_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("watched", sa.Boolean(), nullable=False),
        sa.Column("position_s", sa.Double(), nullable=False),
        sa.Column("synced_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["watch_sync_link.id"],
            name=op.f("fk_watch_sync_item_link_id_watch_sync_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_watch_sync_item_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_sync_item")),
        sa.UniqueConstraint("link_id", "video_id", name=op.f("uq_watch_sync_item_link_id_video_id")),
    )
    op.create_index(op.f("ix_watch_sync_item_video_id"), "watch_sync_item", ["video_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_watch_sync_item_video_id"), table_name="watch_sync_item")
    op.drop_table("watch_sync_item")
    op.drop_index(op.f("ix_watch_sync_link_user_id"), table_name="watch_sync_link")
    op.drop_table("watch_sync_link")
