"""providers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 12:00:00

Metadata provider cache and provider state (shared rate-limit slot and circuit breaker).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_cache",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("request", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("fetched_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", "request_key", name=op.f("pk_provider_cache")),
    )
    with op.batch_alter_table("provider_cache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_cache_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "provider_state",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("next_slot_at", sa.Double(), nullable=False),
        sa.Column("open_until", sa.Double(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("last_error_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", mvidarr.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_state")),
    )


def downgrade() -> None:
    op.drop_table("provider_state")
    with op.batch_alter_table("provider_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_cache_expires_at"))
    op.drop_table("provider_cache")
