"""metrics figures: provider call counters, job run time

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:00:00

`/metrics` reads the installation's figures from the database (decision 0033):
- requests sent to each provider and the calls that ended in an error, counted by every process
  (API and `mvidarr worker`) into the shared `provider_state` row;
- each finished job's run time (`job.run_s`, written when it finishes; filled here for the
  history), with the (type, status) index extended by it, so the duration histogram is one scan of
  that index instead of parsing two timestamps per job (SQLite: 116 ms for 10,000 jobs).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("provider_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requests_total", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("errors_total", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_s", sa.Double(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        seconds = "(julianday(finished_at) - julianday(started_at)) * 86400.0"
    else:
        seconds = "EXTRACT(EPOCH FROM finished_at - started_at)"
    op.execute(f"UPDATE job SET run_s = {seconds} WHERE finished_at IS NOT NULL AND started_at IS NOT NULL")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_type_status")
        batch_op.create_index("ix_job_type_status_run_s", ["type", "status", "run_s"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_type_status_run_s")
        batch_op.create_index("ix_job_type_status", ["type", "status"], unique=False)
        batch_op.drop_column("run_s")
    with op.batch_alter_table("provider_state", schema=None) as batch_op:
        batch_op.drop_column("errors_total")
        batch_op.drop_column("requests_total")
