"""Base schemas and the safe string types used at every edge."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

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


Text = Annotated[str, AfterValidator(_clean_text)]
"""Any user string: NFC, no NUL, no lone surrogates."""


Clean = AfterValidator(_clean_text)


def limit(max_length: int, min_length: int = 0) -> StringConstraints:
    """Trimmed, of bounded length; use as `Annotated[str, limit(255), Clean]`."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Name = Annotated[str, limit(255, 1), Clean]
ShortText = Annotated[str, limit(255), Clean]
LongText = Annotated[str, limit(20_000), Clean]
UTCDatetime = datetime
"""A timestamp read from a UTC column: always timezone-aware, so JSON shows it with `Z`."""


class Schema(BaseModel):
    """Base for response schemas."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    """Base for request bodies: unknown fields are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
