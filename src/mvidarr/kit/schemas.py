"""Base schemas and the safe string types used at every edge."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints


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


def _utc_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


Text = Annotated[str, AfterValidator(_clean_text)]
"""Any user string: NFC, no NUL, no lone surrogates."""


def bounded_text(max_length: int, *, min_length: int = 0) -> type[str]:
    """A trimmed Text of bounded length."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_clean_text),
    ]


Name = bounded_text(255, min_length=1)
UTCDatetime = Annotated[datetime, PlainSerializer(_utc_z, return_type=str, when_used="json")]


class Schema(BaseModel):
    """Base for response schemas."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    """Base for request bodies: unknown fields are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
