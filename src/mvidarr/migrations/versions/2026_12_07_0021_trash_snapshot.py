"""what a trashed file's video was, so restoring it brings the video back with its id

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:00:00

A trash entry keeps the video row and the media_file row of its file as JSON (decision 0054);
restoring the file inserts them again, the video under its old id, so links to it keep working.
Entries trashed before this migration have none and are restored as before (a scan matches them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "snapshot",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("trash_entry", schema=None) as batch_op:
        batch_op.drop_column("snapshot")
