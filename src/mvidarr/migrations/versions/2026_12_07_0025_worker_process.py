"""worker processes and their last figures, for /metrics

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 23:00:00

Each `mvidarr worker` reports its memory, CPU, slots and running jobs here every heartbeat; any API
process's scrape shows the live ones (decision 0057).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mvidarr.db import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_process",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("running_jobs", sa.Integer(), nullable=False),
        sa.Column("resident_bytes", sa.BigInteger(), nullable=False),
        sa.Column("virtual_bytes", sa.BigInteger(), nullable=False),
        sa.Column("cpu_seconds", sa.Double(), nullable=False),
        sa.Column("report_every_s", sa.Double(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_process")),
    )
    with op.batch_alter_table("worker_process", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_process_reported_at"), ["reported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("worker_process", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_process_reported_at"))
    op.drop_table("worker_process")
