"""Typing helpers for SQLAlchemy statements, and a cache of statements built once per shape."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Select

AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any number of columns."""


class StatementCache:
    """Statements by shape (which clauses, not their values), for list queries run with new values.

    Building a large select and hashing it for SQLAlchemy's compiled cache costs more than SQLite
    takes to run it; a statement kept here is hashed once. Values must be bound parameters. Bounded:
    when full it starts again (shapes are few; a flood of odd ones costs only rebuilding).
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._statements: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        stmt = self._statements.get(key)
        if stmt is None:
            if len(self._statements) >= self._size:
                self._statements.clear()
            stmt = self._statements[key] = build()
        return stmt
