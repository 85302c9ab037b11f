"""Search queries: ranked matches as one JSON text built by the database, per dialect.

SQLite ranks with FTS5's bm25 over `search_fts` (the label words weigh 10, the context words 3);
PostgreSQL with ts_rank over the weighted tsvector its GIN index holds (A and B weights). Both
return `{"items": [{kind, id, label, detail, score}, ...], "total": n}`; `total` is left out of
suggestions. Statements are built once per dialect and shape and run with new values.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import BindParameter, Integer, String, TextClause, bindparam, text

from mvidarr.kit.queries import Scalars

# A stored generated column on PostgreSQL only (migration 0014): key_text weighted A, more_text B.
_PG_VECTOR = "d.vector"
_SQLITE_RANK = "bm25(search_fts, 10.0, 3.0)"


def _kind_filter(kinds: bool) -> str:
    return " AND d.kind IN :kinds" if kinds else ""


# A document with a viewer (a private playlist) is found by that user alone; `:viewer` NULL (an
# admin) finds all.
_VISIBLE = " AND (d.viewer_id IS NULL OR d.viewer_id = :viewer OR CAST(:viewer AS INTEGER) IS NULL)"
# SQLite's ranking without a kind filter reads the FTS index alone: the few hidden rows are left out
# by id (a subquery run once, on the viewer_id index).
_NOT_HIDDEN = (
    " AND rowid NOT IN (SELECT h.id FROM search_document AS h WHERE h.viewer_id IS NOT NULL AND h.viewer_id <> :viewer)"
)


def _sqlite_page(kinds: bool, total: bool) -> str:
    # Without a kind filter the ranking and the count read the FTS index alone; the documents are
    # joined for the page's rows only.
    if kinds:
        ranked = (
            f"SELECT search_fts.rowid AS id, -{_SQLITE_RANK} AS score FROM search_fts JOIN search_document AS d "
            f"ON d.id = search_fts.rowid WHERE search_fts MATCH :match AND d.kind IN :kinds{_VISIBLE}"
        )
    else:
        ranked = (
            f"SELECT rowid AS id, -{_SQLITE_RANK} AS score FROM search_fts WHERE search_fts MATCH :match{_NOT_HIDDEN}"
        )
    # json_group_array keeps the order of an ordered, limited subquery (see kit.sqljson.JsonArrayAgg).
    items = (
        "SELECT coalesce(json_group_array(json_object('kind', p.kind, 'id', p.ref_id, 'label', p.label, "
        "'detail', p.detail, 'score', p.score)), '[]') FROM (SELECT d.kind, d.ref_id, d.label, d.detail, r.score "
        f"FROM ({ranked} ORDER BY score DESC, id LIMIT :limit OFFSET :offset) AS r "
        "JOIN search_document AS d ON d.id = r.id ORDER BY r.score DESC, r.id LIMIT :limit) AS p"
    )
    count = f", 'total', (SELECT count(*) FROM ({ranked}))" if total else ""
    return f"SELECT json_object('items', json(({items})){count})"


def _pg_page(kinds: bool, total: bool) -> str:
    where = f"{_PG_VECTOR} @@ to_tsquery('simple', :match){_kind_filter(kinds)}{_VISIBLE}"
    items = (
        "SELECT coalesce(json_agg(json_build_object('kind', p.kind, 'id', p.ref_id, 'label', p.label, "
        "'detail', p.detail, 'score', p.score) ORDER BY p.score DESC, p.id), '[]'::json) FROM ("
        # ts_rank scores a whole word and a longer word it begins alike; whole words count once more.
        f"SELECT d.id, d.kind, d.ref_id, d.label, d.detail, ts_rank({_PG_VECTOR}, to_tsquery('simple', :match)) "
        f"+ ts_rank({_PG_VECTOR}, to_tsquery('simple', :exact)) "
        f"AS score FROM search_document AS d WHERE {where} "
        "ORDER BY score DESC, d.id LIMIT :limit OFFSET :offset) AS p"
    )
    count = f", 'total', (SELECT count(*) FROM search_document AS d WHERE {where})" if total else ""
    return f"SELECT CAST(json_build_object('items', ({items}){count}) AS TEXT)"


def _statement(sql: str, kinds: bool, dialect: str) -> TextClause:
    binds: list[BindParameter[Any]] = [
        bindparam("match", type_=String),
        bindparam("limit", type_=Integer),
        bindparam("offset", type_=Integer),
        bindparam("viewer", type_=Integer),
    ]
    if kinds:
        binds.append(bindparam("kinds", type_=String, expanding=True))
    if dialect == "postgresql":
        binds.append(bindparam("exact", type_=String))
    return text(sql).bindparams(*binds)


_PAGES: dict[tuple[str, bool, bool], TextClause] = {
    (dialect, kinds, total): _statement(build(kinds, total), kinds, dialect)
    for dialect, build in (("sqlite", _sqlite_page), ("postgresql", _pg_page))
    for kinds in (False, True)
    for total in (False, True)
}

# Words of the index that may be a misspelt word: same first letter, about as long.
_VOCABULARY = {
    "sqlite": text(
        "SELECT coalesce(json_group_array(term), '[]') FROM (SELECT term FROM search_vocab "
        "WHERE term >= :first AND term < :after AND length(term) BETWEEN :shortest AND :longest LIMIT 5000)"
    ).bindparams(
        bindparam("first", type_=String),
        bindparam("after", type_=String),
        bindparam("shortest", type_=Integer),
        bindparam("longest", type_=Integer),
    ),
    "postgresql": text(
        "SELECT CAST(coalesce(json_agg(w.word), '[]'::json) AS TEXT) FROM (SELECT DISTINCT s.word FROM "
        "(SELECT unnest(tsvector_to_array(d.vector)) AS word FROM search_document AS d) AS s "
        "WHERE s.word >= :first AND s.word < :after "
        "AND length(s.word) BETWEEN :shortest AND :longest LIMIT 5000) AS w"
    ).bindparams(
        bindparam("first", type_=String),
        bindparam("after", type_=String),
        bindparam("shortest", type_=Integer),
        bindparam("longest", type_=Integer),
    ),
}


# Words of the index that may be `word` with its first letter mistyped, missing, added or swapped
# with the second: they share two letters with it at the start, one place apart. A scan of the
# vocabulary, asked only when no word of the same first letter was close enough.
_OTHER_FIRST = (
    "(substr({w}, 2, 2) IN (:rest, :head) OR substr({w}, 1, 2) IN (:rest, :swapped)) "
    "AND length({w}) BETWEEN :shortest AND :longest"
)
_VOCABULARY_OTHER_FIRST = {
    "sqlite": text(
        "SELECT coalesce(json_group_array(term), '[]') FROM (SELECT term FROM search_vocab "
        f"WHERE {_OTHER_FIRST.format(w='term')} LIMIT 5000)"
    ),
    "postgresql": text(
        "SELECT CAST(coalesce(json_agg(w.word), '[]'::json) AS TEXT) FROM (SELECT DISTINCT s.word FROM "
        "(SELECT unnest(tsvector_to_array(d.vector)) AS word FROM search_document AS d) AS s "
        f"WHERE {_OTHER_FIRST.format(w='s.word')} LIMIT 5000) AS w"
    ),
}
_VOCABULARY_OTHER_FIRST = {
    dialect: statement.bindparams(
        bindparam("rest", type_=String),
        bindparam("head", type_=String),
        bindparam("swapped", type_=String),
        bindparam("shortest", type_=Integer),
        bindparam("longest", type_=Integer),
    )
    for dialect, statement in _VOCABULARY_OTHER_FIRST.items()
}


async def ranked(
    db: Scalars,
    dialect: str,
    match: str,
    *,
    exact: str,
    kinds: list[str] | None,
    viewer: int | None,
    limit: int,
    offset: int,
    total: bool,
) -> dict[str, Any]:
    """`{"items": [...], "total": n}` (total only when asked) for a MATCH (SQLite) or tsquery (PostgreSQL);
    `exact` (PostgreSQL) is the whole words alone, which rank higher; `viewer` the user whose private
    documents are found too (None: every document)."""
    values: dict[str, Any] = {"match": match, "exact": exact, "limit": limit, "offset": offset, "viewer": viewer}
    if kinds:
        values["kinds"] = kinds
    document = await db.scalar(_PAGES[(dialect, bool(kinds), total)], values)
    result: dict[str, Any] = orjson.loads(document)
    return result


async def vocabulary(db: Scalars, dialect: str, word: str, *, slack: int) -> list[str]:
    """Indexed words that start with `word`'s first letter and are at most `slack` letters longer or shorter."""
    first = word[0]
    values = {
        "first": first,
        "after": chr(ord(first) + 1),
        "shortest": max(1, len(word) - slack),
        "longest": len(word) + slack,
    }
    words: list[str] = orjson.loads(await db.scalar(_VOCABULARY[dialect], values))
    return words


async def vocabulary_other_first(db: Scalars, dialect: str, word: str, *, slack: int) -> list[str]:
    """Indexed words that may be `word` with a typo in its first letter (see _OTHER_FIRST); `word` has
    at least three letters."""
    values = {
        "rest": word[1:3],
        "head": word[0:2],
        "swapped": word[1] + word[0],
        "shortest": max(1, len(word) - slack),
        "longest": len(word) + slack,
    }
    words: list[str] = orjson.loads(await db.scalar(_VOCABULARY_OTHER_FIRST[dialect], values))
    return words
