"""Keyset pagination: a page that starts after the last row of the page before, found by an index range.

An offset page makes the database walk past every row before it; a keyset page starts at a place in
the order, `(sort values, id)` of the previous page's last row, which the index on `(column, id)`
finds directly, and a row added or removed meanwhile neither repeats nor skips a row. The place
travels as an opaque cursor: the JSON array `[sort, value..., id]` in hexadecimal, written by the
database (`CursorText`) beside the page it built, and read back here, checked against the sort it is
sent with and against the types of the sort's columns (a 422 names what is wrong). A cursor is a
position, not a credential: a forged one shows what an offset page would.

NULLs sort first on SQLite and last on PostgreSQL (ascending; the reverse descending), and the indexes
are in each database's own order, so `after` puts the rows with no value where the database does. For
a one-field sort the rows after a place are one index range, or two (the values, then the NULLs);
each is its own range scan, and the caller unites them (decision 0061).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Query
from pydantic import AwareDatetime, Field, TypeAdapter, ValidationError
from sqlalchemy import Column, ColumnElement, and_, bindparam, or_, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import String

from mvidarr.errors import CONFLICT, CONTENT, InvalidInput
from mvidarr.kit import sqljson
from mvidarr.kit.pagination import SortColumn, SortField
from mvidarr.kit.params import MAX_ID

MAX_CURSOR_LENGTH = 8192
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        pattern=r"^(?:[0-9A-Fa-f]{2})+$",
        description="Start after the place this cursor marks: the `next_cursor` of the page before, sent with "
        "the same `sort` (a cursor made for another sort, or altered, is a 422). Rows added or removed "
        "meanwhile neither repeat nor skip a row, and a deep page starts from the sort's index instead of walking "
        "the pages before it. Leave `page` out.",
    ),
]


def sort_spec(fields: Sequence[SortField]) -> str:
    """The sort as a cursor records it: `a,-b`, whatever spelling the request used."""
    return ",".join(("-" if f.descending else "") + f.name for f in fields)


def _column(sort: SortColumn) -> Column[Any] | None:
    if isinstance(sort, InstrumentedAttribute):
        sort = sort.expression
    return sort if isinstance(sort, Column) else None


def _nullable(sort: SortColumn) -> bool:
    column = _column(sort)
    return column is None or bool(column.nullable)


def _python_type(sort: SortColumn) -> type:
    kind = sort.type
    # A TypeDecorator (UTCDateTime) says `object`; the type it decorates knows.
    python_type: type = getattr(kind, "impl_instance", kind).python_type
    return python_type


# -- the cursor, as the database writes it --------------------------------------------------------


class CursorText(FunctionElement[str]):
    """`CursorText(sort, value..., id)`: a row's place as a cursor, hex of the JSON array of its arguments."""

    inherit_cache = True
    name = "cursor_text"
    type = String()


def cursor_text(sort: Any, values: Sequence[tuple[ColumnElement[Any], SortColumn]], row_id: Any) -> CursorText:
    """The cursor of a row: `sort` (a bound spec), each `(value, the sort column it holds)`, the row's id.
    Each value is written as the list's JSON writes its type, so it reads back as the same value."""
    encoded: list[Any] = []
    for value, sort_column in values:
        kind = _python_type(sort_column)
        if kind is datetime:
            encoded.append(sqljson.JsonTimestamp(value))
        elif kind is float:
            encoded.append(sqljson.JsonFloat(value))
        else:
            encoded.append(value)
    return CursorText(sort, *encoded, row_id)


@compiles(CursorText, "sqlite")
def _sqlite_cursor(element: CursorText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower(hex(json_array({compiler.process(element.clauses, **kw)})))"


@compiles(CursorText, "postgresql")
def _pg_cursor(element: CursorText, compiler: SQLCompiler, **kw: Any) -> str:
    array = f"json_build_array({compiler.process(element.clauses, **kw)})"
    return f"encode(convert_to(CAST({array} AS TEXT), 'UTF8'), 'hex')"


# -- the cursor, as a request sends it ------------------------------------------------------------


ValueKind = tuple[type, int | None, bool]


def _value_kind(sort: SortColumn) -> ValueKind:
    """What a sort column's values are: their Python type, longest length (strings), and whether NULL."""
    return _python_type(sort), getattr(sort.type, "length", None), _nullable(sort)


def _value_type(kind: ValueKind) -> Any:
    python_type, length, nullable = kind
    value: Any
    if python_type is datetime:
        value = AwareDatetime
    elif python_type is date:
        value = date
    elif python_type is float:
        value = Annotated[float, Field(allow_inf_nan=False)]
    elif python_type is int:
        value = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
    elif python_type is str:
        value = Annotated[str, Field(max_length=length)]
    else:
        raise TypeError(f"no cursor value for a sort on {python_type.__name__}")
    return value | None if nullable else value


@lru_cache(maxsize=64)
def _cursor_adapter(kinds: tuple[ValueKind, ...]) -> TypeAdapter[Any]:
    # Built once per kind of sort: building a TypeAdapter costs far more than the page.
    types = (str, *(_value_type(kind) for kind in kinds), Annotated[int, Field(ge=1, le=MAX_ID)])
    return TypeAdapter(tuple[types])  # type: ignore[valid-type]


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where a keyset page starts: after the row with these sort values and this id, in `dialect`'s order."""

    after: tuple[Any, ...]
    last_id: int
    dialect: str

    @property
    def shape(self) -> tuple[object, ...]:
        """What the page's SQL looks like: which values are NULL changes the predicate, not just its values."""
        return (self.dialect, *(value is None for value in self.after))

    def params(self) -> dict[str, Any]:
        values = {f"after_{n}": value for n, value in enumerate(self.after) if value is not None}
        return {**values, "after_id": self.last_id}


def read_cursor(cursor: str, fields: Sequence[SortField], dialect: str) -> Keyset:
    """The place a cursor marks, for a list sorted by `fields`; a 422 if it is not one this sort made."""
    loc = ("query", "cursor")
    try:
        document = bytes.fromhex(cursor).decode()
        made_for = json.loads(document)[0]
    except (ValueError, TypeError, KeyError, IndexError):
        raise InvalidInput("cursor is not one this list gave out", loc=loc, type_=CONTENT) from None
    spec = sort_spec(fields)
    if made_for != spec:
        raise InvalidInput(
            f"this cursor pages the list sorted by {made_for!r}, not {spec!r}: send it with the sort it was "
            "made for, or start again without a cursor",
            loc=loc,
            type_=CONFLICT,
        )
    adapter = _cursor_adapter(tuple(_value_kind(f.column) for f in fields))
    try:
        _, *after, last_id = adapter.validate_json(document, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        part = first["loc"][0] if first["loc"] else None
        where = "" if part is None else "its id: " if part == len(fields) + 1 else "its sort value: "
        raise InvalidInput(
            f"cursor is not one this list gave out: {where}{first['msg']}", loc=loc, type_=CONTENT
        ) from None
    return Keyset(tuple(after), last_id, dialect)


# -- the rows after a place -----------------------------------------------------------------------


def after(fields: Sequence[SortField], tiebreak: InstrumentedAttribute[int], keyset: Keyset) -> list[Any]:
    """WHERE clauses for the rows after the keyset's place in the order of `fields` then `tiebreak`
    (in the last field's direction): each a range of the index on `(column, id)` for a one-field sort.
    More than one: the page is the first rows of their union (in the order)."""
    nulls_low = keyset.dialect != "postgresql"
    last_descending = fields[-1].descending
    last_id = bindparam("after_id", type_=tiebreak.type)
    id_after = tiebreak < last_id if last_descending else tiebreak > last_id
    values = [
        None if value is None else bindparam(f"after_{n}", type_=field.column.type)
        for n, (field, value) in enumerate(zip(fields, keyset.after, strict=True))
    ]
    if len(fields) == 1:
        column, value = fields[0].column, values[0]
        nulls_first = nulls_low != last_descending
        if value is None:
            tail = and_(column.is_(None), id_after)
            return [tail, column.is_not(None)] if nulls_first else [tail]
        place = tuple_(column, tiebreak), tuple_(value, last_id)
        beyond = place[0] < place[1] if last_descending else place[0] > place[1]
        return [beyond] if nulls_first or not _nullable(column) else [beyond, column.is_(None)]
    # Several fields: one predicate, in the dictionary order of the fields (no single index serves it).
    disjuncts: list[Any] = []
    same: list[Any] = []
    for field, value in zip(fields, values, strict=True):
        column = field.column
        nulls_first = nulls_low != field.descending
        if value is None:
            if nulls_first:
                disjuncts.append(and_(*same, column.is_not(None)))
            same.append(column.is_(None))
            continue
        beyond = column < value if field.descending else column > value
        if not nulls_first and _nullable(column):
            beyond = or_(beyond, column.is_(None))
        disjuncts.append(and_(*same, beyond))
        same.append(column == value)
    disjuncts.append(and_(*same, id_after))
    return [or_(*disjuncts)]
