"""Page parameters, the page envelope, and `sort=field|-field` parsing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


class CursorPage(BaseModel, Generic[T]):
    """A page that also says where the next one starts, for lists that page by keyset as well as by number."""

    items: list[T]
    total: int = Field(description="Number of items matching the filters, over all pages.")
    page: int | None = Field(description="The page number asked for; null for a page asked for by `cursor`.")
    page_size: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the page after this one (same filters and sort); null on the last page."
    )


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


@dataclass(frozen=True, slots=True)
class SortField:
    """One field of a `sort=a,-b` order: its name, what it sorts by, and its direction."""

    name: str
    column: SortColumn
    descending: bool

    def clause(self) -> UnaryExpression[Any]:
        return self.column.desc() if self.descending else self.column.asc()


def sort_fields(sort: str | None, columns: Mapping[str, SortColumn], *, default: str) -> list[SortField]:
    """The fields of `sort=a,-b` (at most four); unknown or unsortable fields are a 422 naming them."""
    fields: list[SortField] = []
    for raw in (sort or default).split(",")[:4]:
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
        fields.append(SortField(name, column, descending))
    return fields


def tiebreak_clause(fields: Sequence[SortField], tiebreak: InstrumentedAttribute[int]) -> UnaryExpression[Any]:
    # The tie-break follows the last direction so an index on (column, id) serves the whole order.
    return tiebreak.desc() if fields[-1].descending else tiebreak.asc()


def sort_clauses(
    sort: str | None,
    columns: Mapping[str, SortColumn],
    *,
    default: str,
    tiebreak: InstrumentedAttribute[int],
) -> list[UnaryExpression[Any]]:
    """ORDER BY clauses for `sort=a,-b`; unknown or unsortable fields are a 422 naming them."""
    fields = sort_fields(sort, columns, default=default)
    return [*(field.clause() for field in fields), tiebreak_clause(fields, tiebreak)]
