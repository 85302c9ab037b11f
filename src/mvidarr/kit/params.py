"""Reusable query parameters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Query

MAX_ID = 2**31 - 1
SORT_DESCRIPTION = "Sort fields, comma-separated; prefix with `-` for descending."


def sort_pattern(fields: Iterable[str]) -> str:
    """The `sort=a,-b` syntax over exactly these field names, so the schema states which are sortable."""
    one = rf"[+-]?(?:{'|'.join(sorted(fields))})"
    return rf"^{one}(?:,{one})*$"


SORT_SYNTAX = r"^[+-]?[a-z_]+(,[+-]?[a-z_]+)*$"


def sort_query(fields: Iterable[str]) -> Any:
    """The `sort` query parameter of a list whose sortable fields are `fields`. The schema states exactly
    those names; an unknown one is refused by `sort_clauses`, whose message lists the sortable fields."""
    names = sorted(fields)
    return Query(
        max_length=200,
        pattern=SORT_SYNTAX,
        json_schema_extra={"pattern": sort_pattern(names)},
        description=f"{SORT_DESCRIPTION} Sortable: {', '.join(f'`{n}`' for n in names)}.",
    )


SearchQuery = Annotated[
    str | None,
    Query(max_length=200, description="Search words, case- and accent-insensitive ('bjork' finds 'Björk')."),
]
