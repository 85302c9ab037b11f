"""playlists and watch history

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 12:00:00

Playlists (manual items with notes; smart ones keep a video filter as JSON), and per-user watch
state (resume position, watched, plays, favourite) with one play event per play.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _utc() -> sa.types.TypeEngine[Any]:
    return mvidarr.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "playlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("rule", _json(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_playlist_owner_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist")),
    )
    with op.batch_alter_table("playlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playlist_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_playlist_public"), ["public"], unique=False)

    op.create_table(
        "playlist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("added_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"], ["playlist.id"], name=op.f("fk_playlist_item_playlist_id_playlist"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_playlist_item_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist_item")),
        sa.UniqueConstraint("playlist_id", "video_id", name=op.f("uq_playlist_item_playlist_id_video_id")),
    )
    with op.batch_alter_table("playlist_item", schema=None) as batch_op:
        batch_op.create_index("ix_playlist_item_playlist_id_position", ["playlist_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_playlist_item_video_id"), ["video_id"], unique=False)

    op.create_table(
        "watch_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("position_s", sa.Double(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("watched", sa.Boolean(), nullable=False),
        sa.Column("play_count", sa.Integer(), nullable=False),
        sa.Column("last_played_at", _utc(), nullable=True),
        sa.Column("favourite", sa.Boolean(), nullable=False),
        sa.Column("favourited_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_watch_state_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_watch_state_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_state")),
        sa.UniqueConstraint("user_id", "video_id", name=op.f("uq_watch_state_user_id_video_id")),
    )
    with op.batch_alter_table("watch_state", schema=None) as batch_op:
        batch_op.create_index("ix_watch_state_user_id_last_played_at", ["user_id", "last_played_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_state_video_id"), ["video_id"], unique=False)

    op.create_table(
        "play_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("position_s", sa.Double(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_play_event_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_play_event_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_event")),
    )
    with op.batch_alter_table("play_event", schema=None) as batch_op:
        batch_op.create_index("ix_play_event_user_id_started_at", ["user_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_play_event_video_id"), ["video_id"], unique=False)


def downgrade() -> None:
    op.drop_table("play_event")
    op.drop_table("watch_state")
    op.drop_table("playlist_item")
    op.drop_table("playlist")
