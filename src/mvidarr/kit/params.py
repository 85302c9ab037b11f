"""Reusable query parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_ID = 2**31 - 1

SortQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[+-]?[a-z_]+(,[+-]?[a-z_]+)*$",
        description="Sort fields, comma-separated; prefix with `-` for descending.",
    ),
]
SearchQuery = Annotated[
    str | None,
    Query(max_length=200, description="Search words, case- and accent-insensitive ('bjork' finds 'Björk')."),
]
