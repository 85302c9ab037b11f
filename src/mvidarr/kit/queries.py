"""Typing helpers for SQLAlchemy statements, and a cache of statements built once per shape."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.sql import Executable

AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any number of columns."""


class Scalars(Protocol):
    """Runs a statement for its first value: a session (inside its unit of work) or the read path
    (`mvidarr.reads.Reads`, outside any), so a repository query serves both."""

    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any: ...


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
