"""What the search index holds, per kind of thing, and the triggers that keep it in step.

Each kind (artist, video, playlist) is a `Source`: a SELECT giving every document of that kind as
`(ref_id, label, detail, key_text, more_text)` (and `viewer_id` for a kind not everyone may see: a
private playlist is its owner's), the columns whose change
re-indexes a row, and related tables whose change re-indexes documents too (a video shows its
artist's name). `trigger_statements` turns a source into triggers for SQLite or PostgreSQL that
write `search_document` in the same transaction as the change; `rebuild_statements` writes every
document again (the `search.rebuild` job). A new kind registers by adding its `Source` to
`SOURCES` and, in its own migration, running `trigger_statements` and `backfill_statement` for it
(see migration 0014 and decision 0035).
"""

from __future__ import annotations

from dataclasses import dataclass

_COLUMNS = "label, detail, key_text, more_text"


@dataclass(frozen=True, slots=True)
class Related:
    """Another table whose rows' changes re-index documents, and whose deletes remove them (before the
    delete, so a cascade has not yet taken the rows `ids` looks at): `ids` selects their ref_ids, `{row}`
    standing for the changed row (NEW or OLD)."""

    table: str
    watched: tuple[str, ...]
    ids: str


@dataclass(frozen=True, slots=True)
class Source:
    """One kind of searchable thing; `documents` names its columns ref_id, label, detail, key_text, more_text
    (the two texts folded with `kit.text.fold`, as the services keep them)."""

    kind: str
    table: str
    page: str  # the web page of one document, with `{id}`
    documents: str
    watched: tuple[str, ...]
    related: tuple[Related, ...] = ()
    private: bool = False
    """`documents` also gives `viewer_id`: the one user who may find the document (NULL: everyone)."""

    @property
    def columns(self) -> str:
        return _COLUMNS + (", viewer_id" if self.private else "")


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
SOURCES: tuple[Source, ...] = (ARTISTS, VIDEOS, PLAYLISTS)
"""Every kind the index holds, in the order results of equal rank are listed."""
KINDS: tuple[str, ...] = tuple(source.kind for source in SOURCES)


def _selected(source: Source) -> str:
    return ", ".join(f"d.{name.strip()}" for name in source.columns.split(","))


def _insert(source: Source, where: str) -> str:
    return (
        f"INSERT INTO search_document (kind, ref_id, {source.columns}) SELECT '{source.kind}', d.ref_id, "
        f"{_selected(source)} FROM ({source.documents}) AS d WHERE {where}"
    )


def _refresh(source: Source, ids: str) -> str:
    return (
        f"UPDATE search_document SET ({source.columns}) = (SELECT {_selected(source)} "
        f"FROM ({source.documents}) AS d WHERE d.ref_id = search_document.ref_id) "
        f"WHERE kind = '{source.kind}' AND ref_id IN ({ids})"
    )


def _delete_related(source: Source, related: Related) -> str:
    return f"DELETE FROM search_document WHERE kind = '{source.kind}' AND ref_id IN ({related.ids.format(row='OLD')})"


def _delete(source: Source) -> str:
    return f"DELETE FROM search_document WHERE kind = '{source.kind}' AND ref_id = OLD.id"


def backfill_statement(source: Source) -> str:
    """Index every row of the source (its documents must not exist yet)."""
    return _insert(source, "1 = 1")


def rebuild_statements(dialect: str) -> list[str]:
    """Write the whole index again from the source tables."""
    statements = ["DELETE FROM search_document", *(backfill_statement(source) for source in SOURCES)]
    if dialect == "sqlite":
        statements.append("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return statements


def trigger_statements(dialect: str, source: Source) -> list[str]:
    """DDL of the triggers that keep `source`'s documents in step with its tables."""
    name = f"search_{source.kind}"
    watched = ", ".join(source.watched)
    if dialect == "sqlite":
        statements = [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source.table} BEGIN "
            f"{_insert(source, 'd.ref_id = NEW.id')}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {source.table} BEGIN "
            f"{_refresh(source, 'NEW.id')}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source.table} BEGIN {_delete(source)}; END",
        ]
        for related in source.related:
            statements += [
                f"CREATE TRIGGER {name}_{related.table}_update AFTER UPDATE OF {', '.join(related.watched)} "
                f'ON "{related.table}" BEGIN {_refresh(source, related.ids.format(row="NEW"))}; END',
                f'CREATE TRIGGER {name}_{related.table}_delete BEFORE DELETE ON "{related.table}" BEGIN '
                f"{_delete_related(source, related)}; END",
            ]
        return statements
    statements = [
        f"CREATE FUNCTION {name}_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN {_delete(source)}; "
        f"ELSIF TG_OP = 'INSERT' THEN {_insert(source, 'd.ref_id = NEW.id')}; "
        f"ELSE {_refresh(source, 'NEW.id')}; END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER {name}_insert_delete AFTER INSERT OR DELETE ON {source.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_row()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {source.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_row()",
    ]
    for related in source.related:
        function = f"{name}_{related.table}"
        statements += [
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN {_delete_related(source, related)}; RETURN OLD; END IF; "
            f"{_refresh(source, related.ids.format(row='NEW'))}; RETURN NULL; END $$",
            f'CREATE TRIGGER {function}_update AFTER UPDATE OF {", ".join(related.watched)} ON "{related.table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f'CREATE TRIGGER {function}_delete BEFORE DELETE ON "{related.table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]
    return statements


def drop_trigger_statements(dialect: str, source: Source) -> list[str]:
    """The reverse of `trigger_statements` (a migration's downgrade)."""
    name = f"search_{source.kind}"
    if dialect == "sqlite":
        triggers = [f"{name}_insert", f"{name}_update", f"{name}_delete"]
        triggers += [f"{name}_{related.table}_{event}" for related in source.related for event in ("update", "delete")]
        return [f"DROP TRIGGER IF EXISTS {trigger}" for trigger in triggers]
    statements = [f"DROP FUNCTION IF EXISTS {name}_row() CASCADE"]
    statements += [f"DROP FUNCTION IF EXISTS {name}_{related.table}() CASCADE" for related in source.related]
    return statements
