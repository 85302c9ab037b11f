"""JSON documents built by the database: a list page leaves SQLite or PostgreSQL as one string.

A page of 50 rows read into Python costs far more than the query: each value goes through a
result processor, each row becomes a dict, pydantic validates and serialises it again. Built in
SQL (SQLite's JSON1 functions, PostgreSQL's json_build_object), the page is one text value
ready to send. The constructs here compile per dialect, so one SQLAlchemy expression serves
both databases. Tests in tests/kit/test_sqljson.py hold the output to the pydantic schemas.

Formats match what pydantic writes: timestamps as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, booleans as
`true`/`false`, floats with every significant digit, JSON columns embedded as JSON, NULL as `null`.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Subquery, bindparam, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import Case
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import ScalarSelect
from sqlalchemy.types import JSON, Integer, Text


class _JsonFunction(FunctionElement[Any]):
    inherit_cache = True
    type = JSON()


class JsonObject(_JsonFunction):
    inherit_cache = True
    """`{"key": value, ...}` from alternating keys and value expressions."""

    name = "json_object"


class JsonArray(_JsonFunction):
    inherit_cache = True
    """`[value, ...]` from value expressions."""

    name = "json_array"


class JsonArrayAgg(_JsonFunction):
    inherit_cache = True
    """Aggregate: `JsonArrayAgg(value, position)`, the group's values as a JSON array (`[]` for none).

    PostgreSQL orders the array by `position`. SQLite before 3.44 has no ORDER BY inside an
    aggregate: it keeps the order of the FROM subquery, which must therefore be ordered and
    limited (a limited subquery's ORDER BY is never dropped). JSON values read from a subquery
    column must be wrapped in JsonEmbed (SQLite has forgotten they are JSON).
    """

    name = "json_array_agg"


class JsonItems(_JsonFunction):
    inherit_cache = True
    """Aggregate: `JsonItems(document, position)`, JSON documents (text a subquery built, such as list
    items) as one JSON array, `[]` for none.

    SQLite joins the texts as they are, without reading each one again (json_group_array would
    parse them all, 20 KB for a page of videos), and keeps the subquery's order, like JsonArrayAgg.
    PostgreSQL orders by `position`. The result is text on SQLite: put it in a JsonPage, not an obj.
    """

    name = "json_items"


class JsonPage(FunctionElement[str]):
    """`Page[...]` as JSON text: `JsonPage(items, total, page, page_size)`, items from JsonItems;
    `CursorPage[...]` with a fifth argument, the next cursor (hex text or NULL; `page` may be NULL).

    SQLite writes the envelope around the items by concatenation (the values are integers), so the
    page is never parsed; PostgreSQL builds the object.
    """

    inherit_cache = True
    name = "json_page"
    type = Text()


class Position(FunctionElement[int]):
    """`Position(*order_by)`: a row's place in that order, for JsonItems and JsonArrayAgg to order by.

    PostgreSQL numbers the rows (a window function); SQLite needs no number, since it keeps an
    ordered, limited subquery's order, so there it is NULL and costs nothing.
    """

    inherit_cache = True
    name = "position"
    type = Integer()


class JsonEmbed(_JsonFunction):
    inherit_cache = True
    """A JSON column, or a JSON value from a subquery, embedded as JSON rather than as a string."""

    name = "json_embed"


class JsonBool(_JsonFunction):
    inherit_cache = True
    """A boolean column as `true`/`false` (SQLite stores 0/1)."""

    name = "json_bool"


class JsonFloat(_JsonFunction):
    """A floating-point column with every digit that tells the double apart.

    SQLite's JSON functions print reals with 15 significant digits (0.43333333333333335 would come
    out as 0.433333333333333); 17 digits read back as the same double, as pydantic's output does.
    """

    inherit_cache = True
    name = "json_float"


class JsonTimestamp(FunctionElement[str]):
    """A UTC timestamp column as ISO 8601 text with `Z`, microseconds only when non-zero."""

    name = "json_timestamp"
    inherit_cache = True
    type = Text()


def page_document(rows: Subquery, count: Select[Any], next_cursor: Any = None) -> Select[Any]:
    """A list page, `Page[...]`, as one JSON text: the items of `rows` (an ordered, limited subquery
    with columns `item` and `n`: a JSON object and its Position), the total `count` selects, and the
    page and page size bound as `page` and `limit`. With `next_cursor` (text or NULL), `CursorPage[...]`."""
    fields = [
        select(JsonItems(rows.c.item, rows.c.n)).scalar_subquery(),
        count.scalar_subquery(),
        bindparam("page", type_=Integer),
        bindparam("limit", type_=Integer),
    ]
    return select(JsonPage(*fields, *(() if next_cursor is None else (next_cursor,))))


def obj(**fields: ColumnElement[Any] | Any) -> JsonObject:
    """`{"name": value, ...}`; the names are our own identifiers, written into the SQL as literals."""
    args: list[Any] = []
    for key, value in fields.items():
        assert key.isidentifier(), key
        args.extend([literal_column(f"'{key}'"), value])
    return JsonObject(*args)


def document(schema: type[BaseModel], entity: Any = None, /, **sources: Any) -> JsonObject:
    """`schema`'s JSON as the database builds it, derived from the schema: its fields, in its order,
    each encoded the way pydantic writes its type (booleans, floats, UTC timestamps, JSON columns
    embedded). A field's value comes from `sources[name]`, else from `entity`'s attribute of that name
    (a mapped class). A field without a source, or a source for no field, fails when the statement is
    built, at import. Values given as documents, subqueries or CASEs are used as they are."""
    unknown = sorted(set(sources) - set(schema.model_fields))
    if unknown:
        raise TypeError(f"{schema.__name__} has no field {', '.join(unknown)}")
    fields: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        if name in sources:
            source = sources[name]
        elif entity is not None and hasattr(entity, name):
            source = getattr(entity, name)
        else:
            raise TypeError(f"no source for {schema.__name__}.{name}")
        fields[name] = _encoded(info.annotation, source)
    return obj(**fields)


def _encoded(annotation: Any, source: Any) -> Any:
    """`source` written as pydantic writes a value of type `annotation`."""
    column = isinstance(source, QueryableAttribute) or (
        isinstance(source, ColumnElement) and not isinstance(source, FunctionElement | ScalarSelect | Case)
    )
    if not column:
        return source  # already a document, a JSON aggregate or a choice made by the caller
    kind = _bare(annotation)
    if kind is bool:
        return JsonBool(source)
    if kind is float:
        return JsonFloat(source)
    if kind is datetime:
        return JsonTimestamp(source)
    if get_origin(kind) in (list, dict):
        return JsonEmbed(source)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        raise TypeError(f"{kind.__name__} is a document: give it as sqljson.document(...)")
    return source


def _bare(annotation: Any) -> Any:
    """The type inside `X | None` and `Annotated[X, ...]`."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


# -- SQLite ---------------------------------------------------------------------------------------


@compiles(JsonObject, "sqlite")
def _sqlite_object(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(JsonArray, "sqlite")
def _sqlite_array(element: JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(JsonArrayAgg, "sqlite")
def _sqlite_array_agg(element: JsonArrayAgg, compiler: SQLCompiler, **kw: Any) -> str:
    value = next(iter(element.clauses))
    return f"json_group_array({compiler.process(value, **kw)})"


@compiles(JsonItems, "sqlite")
def _sqlite_items(element: JsonItems, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"coalesce('[' || group_concat({value}, ',') || ']', '[]')"


@compiles(JsonPage, "sqlite")
def _sqlite_page(element: JsonPage, compiler: SQLCompiler, **kw: Any) -> str:
    items, total, page, page_size, *cursor = (compiler.process(clause, **kw) for clause in element.clauses)
    if not cursor:
        return (
            f"""('{{"items":' || {items} || ',"total":' || {total} || ',"page":' || {page} """
            f"""|| ',"page_size":' || {page_size} || '}}')"""
        )
    # A cursor is hex digits: it needs no escaping inside its quotes.
    return (
        f"""('{{"items":' || {items} || ',"total":' || {total} || ',"page":' || coalesce({page}, 'null') """
        f"""|| ',"page_size":' || {page_size} || ',"next_cursor":' || coalesce('"' || {cursor[0]} || '"', 'null') """
        "|| '}')"
    )


@compiles(Position, "sqlite")
def _sqlite_position(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


@compiles(JsonEmbed, "sqlite")
def _sqlite_embed(element: JsonEmbed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


@compiles(JsonBool, "sqlite")
def _sqlite_bool(element: JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    # json('true') is a constant SQLite computes once per statement, not once per row.
    return f"CASE WHEN ({value}) IS NULL THEN NULL WHEN ({value}) THEN json('true') ELSE json('false') END"


@compiles(JsonFloat, "sqlite")
def _sqlite_float(element: JsonFloat, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN ({value}) IS NULL THEN NULL ELSE json(printf('%!.17g', {value})) END"


@compiles(JsonTimestamp, "sqlite")
def _sqlite_timestamp(element: JsonTimestamp, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored by SQLAlchemy as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC).
    v = compiler.process(element.clauses, **kw)
    return (
        f"(substr({v}, 1, 10) || 'T' || CASE WHEN length({v}) < 20 OR substr({v}, 21) = '000000' "
        f"THEN substr({v}, 12, 8) ELSE substr({v}, 12) END || 'Z')"
    )


# -- PostgreSQL -----------------------------------------------------------------------------------


@compiles(JsonObject, "postgresql")
def _pg_object(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    args = [compiler.process(clause, **kw) for clause in element.clauses]
    keyed = [f"{a}::text" if i % 2 == 0 else a for i, a in enumerate(args)]
    return f"json_build_object({', '.join(keyed)})"


@compiles(JsonArray, "postgresql")
def _pg_array(element: JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(JsonArrayAgg, "postgresql")
def _pg_array_agg(element: JsonArrayAgg, compiler: SQLCompiler, **kw: Any) -> str:
    value, position = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"coalesce(json_agg({value} ORDER BY {position}), '[]'::json)"


@compiles(JsonItems, "postgresql")
def _pg_items(element: JsonItems, compiler: SQLCompiler, **kw: Any) -> str:
    value, position = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"coalesce(json_agg(CAST({value} AS JSON) ORDER BY {position}), '[]'::json)"


@compiles(JsonPage, "postgresql")
def _pg_page(element: JsonPage, compiler: SQLCompiler, **kw: Any) -> str:
    items, total, page, page_size, *cursor = (compiler.process(clause, **kw) for clause in element.clauses)
    more = f", 'next_cursor', {cursor[0]}" if cursor else ""
    return (
        f"CAST(json_build_object('items', {items}, 'total', {total}, 'page', {page}, 'page_size', {page_size}"
        f"{more}) AS TEXT)"
    )


@compiles(Position, "postgresql")
def _pg_position(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    order = ", ".join(compiler.process(clause, **kw) for clause in element.clauses)
    return f"row_number() OVER (ORDER BY {order})"


@compiles(JsonEmbed, "postgresql")
def _pg_embed(element: JsonEmbed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS JSON)"


@compiles(JsonBool, "postgresql")
def _pg_bool(element: JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(JsonFloat, "postgresql")
def _pg_float(element: JsonFloat, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # float8 prints the shortest exact form


@compiles(JsonTimestamp, "postgresql")
def _pg_timestamp(element: JsonTimestamp, compiler: SQLCompiler, **kw: Any) -> str:
    v = compiler.process(element.clauses, **kw)
    utc = f"({v} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM {utc})::bigint "
        f"% 1000000 = 0 THEN '' ELSE to_char({utc}, '.US') END || 'Z')"
    )


def json_response(document: str) -> Response:
    """A JSON document the database built, sent as is (the route's response_model documents it)."""
    return Response(content=document.encode(), media_type="application/json")
