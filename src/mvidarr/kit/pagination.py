"""Page parameters, the page envelope, and `sort=field|-field` parsing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, ScalarSelect, UnaryExpression
from sqlalchemy.orm import InstrumentedAttribute

from mvidarr.errors import InvalidInput

T = TypeVar("T")
SortColumn = ColumnElement[Any] | InstrumentedAttribute[Any] | ScalarSelect[Any]
MAX_PAGE_SIZE = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items matching the filters, over all pages.")
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


async def _page_params(
    page: Annotated[int, Query(ge=1, le=10_000_000, description="1-based page number.")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE}).")
    ] = 50,
) -> PageParams:
    # async: FastAPI runs plain `def` dependencies in a thread pool, a costly hop for a tuple.
    return PageParams(page=page, page_size=page_size)


PageDep = Annotated[PageParams, Depends(_page_params)]


def sort_clauses(
    sort: str | None,
    columns: Mapping[str, SortColumn],
    *,
    default: str,
    tiebreak: InstrumentedAttribute[int],
) -> list[UnaryExpression[Any]]:
    """ORDER BY clauses for `sort=a,-b`; unknown or unsortable fields are a 422 naming them."""
    spec = sort or default
    clauses: list[UnaryExpression[Any]] = []
    for raw in spec.split(",")[:4]:
        name = raw.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        column = columns.get(name)
        if column is None:
            allowed = ", ".join(sorted(columns))
            raise InvalidInput(
                f"cannot sort by {name!r}; sortable fields: {allowed}",
                loc=("query", "sort"),
                type_="sort_field",
            )
        clauses.append(column.desc() if descending else column.asc())
    # The tie-break follows the last direction so an index on (column, id) serves the whole order.
    clauses.append(tiebreak.desc() if descending else tiebreak.asc())
    return clauses
