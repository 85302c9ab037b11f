"""quality

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 04:10:30.533232

Quality profiles (with the four shipped ones), artist.quality_profile_id, and what scanning keeps
on media files: the raw bytes of non-UTF-8 paths, container tags, match source, seen/missing times.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    profiles = op.create_table(
        "quality_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "allowed_labels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("cutoff", sa.String(length=8), nullable=False),
        sa.Column(
            "preferred_video_codecs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("preferred_container", sa.String(length=32), nullable=True),
        sa.Column("min_mb_per_minute", sa.Double(), nullable=True),
        sa.Column("max_mb_per_minute", sa.Double(), nullable=True),
        sa.Column("upgrade_allowed", sa.Boolean(), nullable=False),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_profile")),
        sa.UniqueConstraint("name", name=op.f("uq_quality_profile_name")),
    )
    # The shipped profiles, frozen here; mvidarr.quality.profiles.DEFAULT_PROFILES is the same list.
    now = datetime.now(UTC)
    every = ["2160p", "1440p", "1080p", "720p", "576p", "480p", "360p", "240p", "SD"]
    op.bulk_insert(
        profiles,
        [
            {
                "name": "Any",
                "allowed_labels": every,
                "cutoff": "SD",
                "preferred_video_codecs": [],
                "upgrade_allowed": True,
                "created_at": now,
                "updated_at": now,
            },
            {
                "name": "HD 720p+",
                "allowed_labels": ["2160p", "1440p", "1080p", "720p"],
                "cutoff": "720p",
                "preferred_video_codecs": [],
                "upgrade_allowed": True,
                "created_at": now,
                "updated_at": now,
            },
            {
                "name": "Full HD 1080p",
                "allowed_labels": ["1080p", "720p"],
                "cutoff": "1080p",
                "preferred_video_codecs": ["h264", "vp9", "av1"],
                "upgrade_allowed": True,
                "created_at": now,
                "updated_at": now,
            },
            {
                "name": "Ultra HD",
                "allowed_labels": ["2160p", "1440p", "1080p"],
                "cutoff": "2160p",
                "preferred_video_codecs": ["av1", "hevc", "vp9"],
                "upgrade_allowed": True,
                "created_at": now,
                "updated_at": now,
            },
        ],
    )
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_profile_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_artist_quality_profile_id"), ["quality_profile_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_artist_quality_profile_id_quality_profile"),
            "quality_profile",
            ["quality_profile_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("root_folder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_scan_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("media_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relative_path_bytes", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "tags", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("match_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("seen_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("missing_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_file", schema=None) as batch_op:
        batch_op.drop_column("missing_at")
        batch_op.drop_column("seen_at")
        batch_op.drop_column("match_source")
        batch_op.drop_column("tags")
        batch_op.drop_column("relative_path_bytes")

    with op.batch_alter_table("root_folder", schema=None) as batch_op:
        batch_op.drop_column("last_scan_at")

    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_artist_quality_profile_id_quality_profile"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_artist_quality_profile_id"))
        batch_op.drop_column("quality_profile_id")

    op.drop_table("quality_profile")
