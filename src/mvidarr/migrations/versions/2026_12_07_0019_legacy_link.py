"""legacy import links

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:30:00

Which rows of a MVidarr 0.9.7 database were brought across and what each became here, so a
second import changes nothing and a later one brings only what is new.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mvidarr.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("legacy_key", sa.String(length=500), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_link")),
        sa.UniqueConstraint("source", "kind", "legacy_key", name=op.f("uq_legacy_link_source_kind_legacy_key")),
    )


def downgrade() -> None:
    op.drop_table("legacy_link")
