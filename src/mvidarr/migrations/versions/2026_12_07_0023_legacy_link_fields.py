"""legacy import: the values each import wrote, so a re-run carries 0.9.7's later changes

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 22:40:00

`legacy_link.fields` keeps, for the fields a re-run follows (decision 0056), the values the last
import took from the 0.9.7 row. A re-run compares 0.9.7's row with them to see what changed there,
and the row here with them to see what the user changed since. `row_digest` fingerprints the whole
0.9.7 row as read: a re-run reads only the digests, and the values of the rows whose digest changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("legacy_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("row_digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legacy_link", schema=None) as batch_op:
        batch_op.drop_column("row_digest")
        batch_op.drop_column("fields")
