"""Base schemas and the safe string types used at every edge."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    UrlConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from mvidarr.errors import CONFLICT, CONTENT

_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {127: None}


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if value.translate(_CONTROL) != value:
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return unicodedata.normalize("NFC", value)


# What _clean_text accepts, stated in the schema: no control characters but tab and line breaks (lone
# surrogates, which JSON text cannot carry validly, are left out: a surrogate range is not a pattern
# every regex engine compiles); with a minimum length, at least one character that is not white space (strings
# are trimmed before their length is checked).
CLEAN_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_VISIBLE = r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
CLEAN_PATTERN = rf"^{CLEAN_CHAR}*$"
CLEAN_NONBLANK_PATTERN = rf"^{CLEAN_CHAR}*{_VISIBLE}{CLEAN_CHAR}*$"


def token(max_length: int) -> StringConstraints:
    """A key or token sent on in an HTTP header: printable ASCII without spaces (trimmed)."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length, pattern=r"^\s*[!-~]+\s*$")


class _CleanText:
    """Validates with _clean_text and states the rule in the JSON schema as a pattern."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_clean_text, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        if json_schema.get("type") == "string" and "pattern" not in json_schema:
            blank_allowed = json_schema.get("minLength", 0) == 0
            json_schema["pattern"] = CLEAN_PATTERN if blank_allowed else CLEAN_NONBLANK_PATTERN
        return json_schema


Clean = _CleanText()
# An http(s) URL a user gives; its length is the length sent (the parsed URL may add a slash).
HTTP_URL_PATTERN = rf"^[hH][tT][tT][pP][sS]?://[^\s/?#\x00-\x1f\x7f]+{CLEAN_CHAR}*$"
WebUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2048), Field(json_schema_extra={"pattern": HTTP_URL_PATTERN})]
Text = Annotated[str, Clean]
"""Any user string: NFC, no NUL, no lone surrogates."""


def limit(max_length: int, min_length: int = 0) -> StringConstraints:
    """Trimmed, of bounded length; use as `Annotated[str, limit(255), Clean]`."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Name = Annotated[str, limit(255, 1), Clean]
ShortText = Annotated[str, limit(255), Clean]
LongText = Annotated[str, limit(20_000), Clean]
UTCDatetime = datetime
"""A timestamp read from a UTC column: always timezone-aware, so JSON shows it with `Z`."""


def conflict(message: str) -> PydanticCustomError:
    """For a model validator: fields that exclude, require or bound each other (error type `conflict`)."""
    return PydanticCustomError(CONFLICT, message)


def content(message: str) -> PydanticCustomError:
    """For a validator: a value refused for its meaning, which no schema states (error type `content`)."""
    return PydanticCustomError(CONTENT, message)


def not_null(schema: dict[str, Any]) -> None:
    """A `json_schema_extra` for an optional field that is left out rather than sent as null."""
    schema.pop("default", None)
    variants = schema.get("anyOf")
    if isinstance(variants, list):
        kept = [v for v in variants if v != {"type": "null"}]
        if len(kept) == 1:
            del schema["anyOf"]
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept


def unset_or(**constraints: Any) -> Any:
    """The default of `field: T | None = unset_or()`, a field that may be left out but not sent as null:
    None marks "not sent", and the schema states the type without null and without that default."""
    return Field(default=None, json_schema_extra=not_null, **constraints)


class Schema(BaseModel):
    """Base for response schemas."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    """Base for request bodies: unknown fields are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
