"""search

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00

Ranked search (decision 0035), and saved searches (`saved_search`: a user's named video filter). The `search_document` table, kept in step with artists and videos
by triggers in the same transaction as each write; on SQLite an FTS5 index over it (and a
vocabulary view for typo tolerance), on PostgreSQL a GIN index on its weighted tsvector. Also
`sort_key` on artists and videos (the folded sort name and title) with (sort_key, id) indexes, so
both databases sort names case- and accent-insensitively from an index.

The sources below are frozen copies of `mvidarr.search.sources` as of this revision.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mvidarr.db
from mvidarr.kit.text import fold
from mvidarr.search.sources import Related, Source, backfill_statement, drop_trigger_statements, trigger_statements

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARTISTS = Source(
    kind="artist",
    table="artist",
    page="/artists/{id}",
    documents="SELECT r.id AS ref_id, r.name AS label, r.disambiguation AS detail, r.search_text AS key_text, "
    "'' AS more_text FROM artist AS r",
    watched=("name", "disambiguation", "search_text"),
)
VIDEOS = Source(
    kind="video",
    table="video",
    page="/videos/{id}",
    documents="SELECT r.id AS ref_id, r.title || CASE WHEN r.version <> '' THEN ' (' || r.version || ')' ELSE '' END "
    "AS label, a.name AS detail, r.search_text AS key_text, a.search_text AS more_text "
    "FROM video AS r JOIN artist AS a ON a.id = r.artist_id",
    watched=("title", "version", "search_text", "artist_id"),
    related=(Related("artist", ("name", "search_text"), "SELECT v.id FROM video AS v WHERE v.artist_id = {row}.id"),),
)
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, key_text), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, more_text), 'B'))"
)


# The video list's sorts, each on an index with the id (the tie-break) after it.
SORTED_COLUMNS = (
    "sort_key", "artist_sort_key", "quality_score", "year", "release_date", "updated_at", "status", "kind", "duration_s",
)  # fmt: skip
_CURRENT_SCORE = "(SELECT f.quality_score FROM media_file AS f WHERE f.video_id = {id} AND f.is_current)"
# video.artist_sort_key and video.quality_score are copies for sorting without a join; these keep them.
SORT_TRIGGERS = {
    "sqlite": [
        # A new video has no file yet; its artist's key is written only when the insert did not bring it.
        "CREATE TRIGGER video_sort_copies_insert AFTER INSERT ON video "
        "WHEN NEW.artist_sort_key IS NOT (SELECT a.sort_key FROM artist AS a WHERE a.id = NEW.artist_id) BEGIN "
        "UPDATE video SET artist_sort_key = (SELECT a.sort_key FROM artist AS a WHERE a.id = NEW.artist_id) "
        "WHERE id = NEW.id; END",
        "CREATE TRIGGER video_sort_copies_artist AFTER UPDATE OF artist_id ON video BEGIN UPDATE video SET "
        "artist_sort_key = (SELECT a.sort_key FROM artist AS a WHERE a.id = NEW.artist_id) WHERE id = NEW.id; END",
        "CREATE TRIGGER artist_sort_key_copies AFTER UPDATE OF sort_key ON artist BEGIN "
        "UPDATE video SET artist_sort_key = NEW.sort_key WHERE artist_id = NEW.id; END",
        # At most one current file per video (uq_media_file_current_video): a new current file's score is it.
        "CREATE TRIGGER media_file_score_insert AFTER INSERT ON media_file "
        "WHEN NEW.video_id IS NOT NULL AND NEW.is_current BEGIN UPDATE video SET quality_score = NEW.quality_score "
        "WHERE id = NEW.video_id AND quality_score IS NOT NEW.quality_score; END",
        "CREATE TRIGGER media_file_score_update AFTER UPDATE OF quality_score, is_current, video_id ON media_file "
        f"BEGIN UPDATE video SET quality_score = {_CURRENT_SCORE.format(id='video.id')} "
        "WHERE id IN (OLD.video_id, NEW.video_id); END",
        "CREATE TRIGGER media_file_score_delete AFTER DELETE ON media_file WHEN OLD.video_id IS NOT NULL BEGIN "
        f"UPDATE video SET quality_score = {_CURRENT_SCORE.format(id='OLD.video_id')} WHERE id = OLD.video_id; END",
    ],
    "postgresql": [
        "CREATE FUNCTION video_sort_copies() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "NEW.artist_sort_key := coalesce((SELECT a.sort_key FROM artist AS a WHERE a.id = NEW.artist_id), ''); "
        "RETURN NEW; END $$",
        "CREATE TRIGGER video_sort_copies BEFORE INSERT OR UPDATE OF artist_id ON video "
        "FOR EACH ROW EXECUTE FUNCTION video_sort_copies()",
        "CREATE FUNCTION artist_sort_key_copies() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE video SET artist_sort_key = NEW.sort_key WHERE artist_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER artist_sort_key_copies AFTER UPDATE OF sort_key ON artist "
        "FOR EACH ROW EXECUTE FUNCTION artist_sort_key_copies()",
        "CREATE FUNCTION media_file_score() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' AND OLD.video_id IS NOT NULL THEN "
        f"UPDATE video SET quality_score = {_CURRENT_SCORE.format(id='OLD.video_id')} WHERE id = OLD.video_id; "
        "END IF; "
        "IF TG_OP <> 'DELETE' AND NEW.video_id IS NOT NULL THEN "
        f"UPDATE video SET quality_score = {_CURRENT_SCORE.format(id='NEW.video_id')} WHERE id = NEW.video_id; "
        "END IF; RETURN NULL; END $$",
        "CREATE TRIGGER media_file_score AFTER INSERT OR DELETE OR UPDATE OF quality_score, is_current, video_id "
        "ON media_file FOR EACH ROW EXECUTE FUNCTION media_file_score()",
    ],
}
DROP_SORT_TRIGGERS = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "video_sort_copies_insert",
            "video_sort_copies_artist",
            "artist_sort_key_copies",
            "media_file_score_insert",
            "media_file_score_update",
            "media_file_score_delete",
        )
    ],
    "postgresql": [
        f"DROP FUNCTION IF EXISTS {name}() CASCADE"
        for name in ("video_sort_copies", "artist_sort_key_copies", "media_file_score")
    ],
}


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _fill_sort_keys(table: str, source_column: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {source_column} FROM {table} ORDER BY id")).all()
    for start in range(0, len(rows), 1000):
        conn.execute(
            sa.text(f"UPDATE {table} SET sort_key = :key WHERE id = :id"),
            [{"id": row[0], "key": fold(row[1])} for row in rows[start : start + 1000]],
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_key", sa.String(length=255), server_default=sa.text("''"), nullable=False))
        batch_op.create_index("ix_artist_sort_key_id", ["sort_key", "id"], unique=False)
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_key", sa.String(length=500), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(
            sa.Column("artist_sort_key", sa.String(length=255), server_default=sa.text("''"), nullable=False)
        )
        batch_op.add_column(sa.Column("quality_score", sa.Double(), nullable=True))
    _fill_sort_keys("artist", "sort_name")
    _fill_sort_keys("video", "sort_title")
    op.execute("UPDATE video SET artist_sort_key = (SELECT a.sort_key FROM artist AS a WHERE a.id = video.artist_id)")
    op.execute(
        "UPDATE video SET quality_score = (SELECT f.quality_score FROM media_file AS f "
        "WHERE f.video_id = video.id AND f.is_current)"
    )
    with op.batch_alter_table("video", schema=None) as batch_op:
        for column in SORTED_COLUMNS:
            batch_op.create_index(f"ix_video_{column}_id", [column, "id"], unique=False)
        for column in ("kind", "status", "year"):
            batch_op.drop_index(batch_op.f(f"ix_video_{column}"))
    for statement in SORT_TRIGGERS[dialect]:
        op.execute(statement)

    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=800), nullable=False),
        sa.Column("detail", sa.String(length=800), nullable=False),
        sa.Column("key_text", sa.Text(), nullable=False),
        sa.Column("more_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_search_document_kind_ref_id")),
    )
    if dialect == "sqlite":
        # External content: the FTS index holds only the index; the text stays in search_document.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(key_text, more_text, content='search_document', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")
        op.execute(
            "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN "
            "INSERT INTO search_fts(rowid, key_text, more_text) VALUES (NEW.id, NEW.key_text, NEW.more_text); END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, key_text, more_text) "
            "VALUES ('delete', OLD.id, OLD.key_text, OLD.more_text); END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_update AFTER UPDATE OF key_text, more_text ON search_document BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, key_text, more_text) "
            "VALUES ('delete', OLD.id, OLD.key_text, OLD.more_text); "
            "INSERT INTO search_fts(rowid, key_text, more_text) VALUES (NEW.id, NEW.key_text, NEW.more_text); END"
        )
    else:
        # Stored, so ranking and the index's recheck read it instead of parsing the text again.
        op.execute(f"ALTER TABLE search_document ADD COLUMN vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_search_document_fts ON search_document USING gin (vector)")
    for source in (ARTISTS, VIDEOS):
        op.execute(backfill_statement(source))
        for statement in trigger_statements(dialect, source):
            op.execute(statement)

    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filter", _json(), nullable=False),
        sa.Column("sort", sa.String(length=200), nullable=True),
        sa.Column("created_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mvidarr.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_saved_search_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_search_user_id_name")),
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("saved_search")
    for statement in DROP_SORT_TRIGGERS[dialect]:
        op.execute(statement)
    with op.batch_alter_table("video", schema=None) as batch_op:
        for column in ("kind", "status", "year"):
            batch_op.create_index(batch_op.f(f"ix_video_{column}"), [column], unique=False)
        for column in SORTED_COLUMNS:
            batch_op.drop_index(f"ix_video_{column}_id")
        batch_op.drop_column("quality_score")
        batch_op.drop_column("artist_sort_key")
    for source in (VIDEOS, ARTISTS):
        for statement in drop_trigger_statements(dialect, source):
            op.execute(statement)
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_vocab")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_document")
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.drop_column("sort_key")
    with op.batch_alter_table("artist", schema=None) as batch_op:
        batch_op.drop_index("ix_artist_sort_key_id")
        batch_op.drop_column("sort_key")
