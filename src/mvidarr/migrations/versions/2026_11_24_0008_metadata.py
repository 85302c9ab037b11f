"""metadata

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 12:00:00

Enrichment: the review list of low-confidence matches (match_review), the artist's field
provenance, and indexes on last_enriched_at (bulk enrichment picks what is due by it).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "match_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=True),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("query", _json(), nullable=False),
        sa.Column("candidates", _json(), nullable=False),
        sa.Column("best_confidence", sa.Double(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artist.id"], name=op.f("fk_match_review_artist_id_artist"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["video.id"], name=op.f("fk_match_review_video_id_video"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
        sa.UniqueConstraint("artist_id", name=op.f("uq_match_review_artist_id")),
        sa.UniqueConstraint("video_id", name=op.f("uq_match_review_video_id")),
    )
    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_review_best_confidence"), ["best_confidence"], unique=False)

    # Existing artists start with no provenance: add nullable, fill, then require.
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_provenance", _json(), nullable=True))
    op.execute("UPDATE artist SET field_provenance = '{}'")
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.alter_column("field_provenance", existing_type=_json(), nullable=False)
        batch_op.create_index(batch_op.f("ix_artist_last_enriched_at"), ["last_enriched_at"], unique=False)

    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_last_enriched_at"), ["last_enriched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_last_enriched_at"))

    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artist_last_enriched_at"))
        batch_op.drop_column("field_provenance")

    with op.batch_alter_table("match_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_review_best_confidence"))

    op.drop_table("match_review")
