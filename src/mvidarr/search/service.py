"""Search across the library: ranked results with highlights, suggestions, and typo tolerance.

Every word of the query must match the start of a word of the document (prefix matching, so
results come while typing), case- and accent-insensitively (both sides are folded). When nothing
matches, each word the index does not know is replaced by the indexed words within one or two
edits of it (`fuzzy`), and the search runs once more; `corrected` then says what was searched.
Candidates share the word's first letter; only when none is close enough are words with another
first letter asked for (a mistyped, missing, extra or swapped first letter).
"""

from __future__ import annotations

from typing import Any

from mvidarr.auth.guard import Principal
from mvidarr.kit.fuzzy import typo_distance
from mvidarr.kit.queries import Scalars
from mvidarr.models.user import Role
from mvidarr.search import repository
from mvidarr.search.highlight import spans, words
from mvidarr.search.sources import SOURCES

_PAGES = {source.kind: source.page for source in SOURCES}
_ALTERNATIVES = 3


def _match(dialect: str, groups: list[list[str]], *, prefix: bool, whole_first: bool = True) -> str:
    """The full-text query: every group must match; a group is one word (a prefix) or corrections (whole
    words). With `whole_first` a word is asked for whole and as a prefix, so on SQLite a whole-word match
    scores twice and ranks first (suggestions skip it: it costs a second pass of BM25 over the matches)."""
    if dialect == "sqlite":
        rendered = [
            (f'("{group[0]}" OR "{group[0]}"*)' if whole_first else f'"{group[0]}"*')
            if prefix
            else "(" + " OR ".join(f'"{w}"' for w in group) + ")"
            for group in groups
        ]
        return " AND ".join(rendered)
    rendered = [
        f"('{group[0]}' | '{group[0]}':*)" if prefix else "(" + " | ".join(f"'{w}'" for w in group) + ")"
        for group in groups
    ]
    return " & ".join(rendered)


def _exact(groups: list[list[str]]) -> str:
    """PostgreSQL: any of the whole words (a bonus in the rank)."""
    return " | ".join(f"'{w}'" for group in groups for w in group)


async def _ranked(
    db: Scalars, dialect: str, groups: list[list[str]], *, prefix: bool, kinds: list[str] | None,
    viewer: int | None, limit: int, offset: int, total: bool, whole_first: bool = True,
) -> dict[str, Any]:  # fmt: skip
    return await repository.ranked(
        db, dialect, _match(dialect, groups, prefix=prefix, whole_first=whole_first), exact=_exact(groups),
        kinds=kinds, viewer=viewer, limit=limit, offset=offset, total=total,
    )  # fmt: skip


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


async def _corrections(db: Scalars, dialect: str, terms: list[str]) -> list[list[str]] | None:
    """Per word, itself when some indexed word starts with it, else the closest indexed words; None when
    no word could be corrected."""
    groups: list[list[str]] = []
    changed = False
    for term in terms:
        if len(term) < 3:
            groups.append([term])
            continue
        slack = _max_edits(term)
        known = await repository.vocabulary(db, dialect, term, slack=slack + 8)
        if any(word.startswith(term) for word in known):
            groups.append([term])
            continue
        scored = _closest(term, known, slack)
        if not scored:  # perhaps the first letter is the typo
            scored = _closest(term, await repository.vocabulary_other_first(db, dialect, term, slack=slack), slack)
        if scored:
            groups.append([word for _, word in scored[:_ALTERNATIVES]])
            changed = True
        else:
            groups.append([term])
    return groups if changed else None


def _closest(term: str, known: list[str], slack: int) -> list[tuple[int, str]]:
    """The known words within `slack` edits of `term`, closest first."""
    return sorted(
        (distance, word)
        for word in known
        if abs(len(word) - len(term)) <= slack and (distance := typo_distance(term, word)) <= slack
    )


def viewer_of(caller: Principal) -> int | None:
    """Whose private playlists a caller finds: their own; an admin, everyone's (as on /playlists)."""
    return None if caller.role is Role.ADMIN else caller.user_id


def _shaped(items: list[dict[str, Any]], terms: list[str]) -> list[dict[str, Any]]:
    for item in items:
        item["url"] = _PAGES[item["kind"]].format(id=item["id"])
        item["score"] = round(float(item["score"]), 6)
        item["highlights"] = {"label": spans(item["label"], terms), "detail": spans(item["detail"], terms)}
    return items


async def search(
    db: Scalars, dialect: str, query: str, *, kinds: list[str] | None, viewer: int | None, page: int, page_size: int
) -> dict[str, Any]:
    """A page of ranked results as the `SearchPage` schema's dict; `viewer` finds their private
    playlists too (None: an admin, who finds all)."""
    terms = words(query)
    answer: dict[str, Any] = {
        "query": query, "corrected": None, "items": [], "total": 0, "page": page, "page_size": page_size,
    }  # fmt: skip
    if not terms:
        return answer
    offset = (page - 1) * page_size
    found = await _ranked(
        db, dialect, [[t] for t in terms], prefix=True, kinds=kinds, viewer=viewer, limit=page_size, offset=offset,
        total=True,
    )  # fmt: skip
    if found["total"] == 0:
        groups = await _corrections(db, dialect, terms)
        if groups is not None:
            found = await _ranked(
                db, dialect, groups, prefix=False, kinds=kinds, viewer=viewer, limit=page_size, offset=offset,
                total=True,
            )  # fmt: skip
            terms = [word for group in groups for word in group]
            answer["corrected"] = " ".join(group[0] for group in groups)
    answer["items"] = _shaped(found["items"], terms)
    answer["total"] = found["total"]
    return answer


async def suggest(db: Scalars, dialect: str, query: str, *, viewer: int | None, limit: int) -> dict[str, Any]:
    """The best few results for a search box as the `Suggestions` schema's dict."""
    terms = words(query)
    answer: dict[str, Any] = {"query": query, "corrected": None, "items": []}
    if not terms:
        return answer
    found = await _ranked(
        db, dialect, [[t] for t in terms], prefix=True, kinds=None, viewer=viewer, limit=limit, offset=0,
        total=False, whole_first=False,
    )  # fmt: skip
    if not found["items"]:
        groups = await _corrections(db, dialect, terms)
        if groups is not None:
            found = await _ranked(
                db, dialect, groups, prefix=False, kinds=None, viewer=viewer, limit=limit, offset=0, total=False
            )
            terms = [word for group in groups for word in group]
            answer["corrected"] = " ".join(group[0] for group in groups)
    answer["items"] = _shaped(found["items"], terms)
    return answer
