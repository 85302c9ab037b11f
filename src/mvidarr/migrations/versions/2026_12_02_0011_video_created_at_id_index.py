"""video list order index

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00

The video list's default order is (created_at, id). On SQLite an index on created_at already
carries the rowid; a PostgreSQL index does not, so finding a page read every skipped row from the
table. The index on (created_at, id) serves the page from the index alone on both.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.create_index("ix_video_created_at_id", ["created_at", "id"], unique=False)
        batch_op.drop_index(batch_op.f("ix_video_created_at"))


def downgrade() -> None:
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_created_at"), ["created_at"], unique=False)
        batch_op.drop_index("ix_video_created_at_id")
