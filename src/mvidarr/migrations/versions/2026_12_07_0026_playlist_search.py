"""playlists in the search index, each private one found by its owner alone

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 23:30:00

`playlist.search_text` (the folded name), `search_document.viewer_id` (the one user who may find a
document; NULL for everyone), triggers that index playlists in the same transaction as each write,
and the existing playlists indexed. The source below is a frozen copy of `mvidarr.search.sources`
as of this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mvidarr.kit.text import fold
from mvidarr.search.sources import Related, Source, backfill_statement, drop_trigger_statements, trigger_statements

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAYLISTS = Source(
    kind="playlist",
    table="playlist",
    page="/playlists/{id}",
    documents="SELECT r.id AS ref_id, r.name AS label, u.username AS detail, r.search_text AS key_text, "
    "'' AS more_text, CASE WHEN r.public THEN NULL ELSE r.owner_id END AS viewer_id "
    'FROM playlist AS r JOIN "user" AS u ON u.id = r.owner_id',
    watched=("name", "search_text", "public", "owner_id"),
    related=(Related("user", ("username",), "SELECT p.id FROM playlist AS p WHERE p.owner_id = {row}.id"),),
    private=True,
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("playlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False))
    bind = op.get_bind()
    for playlist_id, name in bind.execute(sa.text("SELECT id, name FROM playlist")).all():
        bind.execute(
            sa.text("UPDATE playlist SET search_text = :text WHERE id = :id"),
            {"text": fold(name)[:600], "id": playlist_id},
        )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("viewer_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_search_document_viewer_id"), ["viewer_id"], unique=False)
    for statement in trigger_statements(dialect, PLAYLISTS):
        op.execute(statement)
    op.execute(backfill_statement(PLAYLISTS))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_trigger_statements(dialect, PLAYLISTS):
        op.execute(statement)
    op.execute("DELETE FROM search_document WHERE kind = 'playlist'")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_viewer_id"))
        batch_op.drop_column("viewer_id")
    with op.batch_alter_table("playlist", schema=None) as batch_op:
        batch_op.drop_column("search_text")
