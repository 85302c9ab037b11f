"""source hosts that refused or rate-limited downloads; the fix of a failed download; SponsorBlock per profile

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:00:00

A host that answers 429 or a bot check makes every download from it wait (decision 0038); the wait
is kept in `source_host` so a restart does not hammer it again. A download attempt records its
source host (per-host concurrency counts running attempts by it) and the fix of its failure.
A quality profile says whether downloads cut or mark SponsorBlock segments, and which (decision 0039).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from mvidarr.db import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quality_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sponsorblock", sa.String(length=8), server_default="off", nullable=False))
        batch_op.add_column(
            sa.Column(
                "sponsorblock_categories",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )
    op.create_table(
        "source_host",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("wait_until", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_source_host")),
    )
    with op.batch_alter_table("source_host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_host_wait_until"), ["wait_until"], unique=False)
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fix", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source_host", sa.String(length=255), nullable=True))
        batch_op.create_index("ix_download_source_host_status", ["source_host", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("download", schema=None) as batch_op:
        batch_op.drop_index("ix_download_source_host_status")
        batch_op.drop_column("source_host")
        batch_op.drop_column("fix")
    with op.batch_alter_table("source_host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_host_wait_until"))
    op.drop_table("source_host")
    with op.batch_alter_table("quality_profile", schema=None) as batch_op:
        batch_op.drop_column("sponsorblock_categories")
        batch_op.drop_column("sponsorblock")
