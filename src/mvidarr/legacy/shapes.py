"""Reading 0.9.7's values as they really are, not as its models say.

0.9.7 kept JSON in LONGTEXT columns and wrote them from several code paths: a list in one row, a
comma-separated string in the next, the same list JSON-encoded twice in a third; some rows hold
text that is no JSON at all (written before the column had its check). IMVDb ids are text.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

_MAX_DEPTH = 3


def decoded(value: Any) -> Any:
    """The JSON value behind a column, unwrapping double encoding; text that is not JSON stays text."""
    for _ in range(_MAX_DEPTH):
        if not isinstance(value, (str, bytes)):
            return value
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        stripped = text.strip()
        if not stripped:
            return None
        try:
            value = json.loads(stripped)
        except ValueError:
            return text
        if isinstance(value, str) and value.strip() == stripped:
            return value
    return value


def text_list(value: Any, *, limit: int = 100, max_length: int = 255) -> list[str]:
    """A list of names from a list, a comma-separated string or double-encoded JSON; blanks and
    repeats (case-insensitively) dropped, order kept."""
    found = decoded(value)
    items: list[Any]
    if found is None:
        items = []
    elif isinstance(found, list):
        items = found
    elif isinstance(found, str):
        items = re.split(r"[,;|]", found)
    elif isinstance(found, dict):
        items = [k for k, v in found.items() if v]
    else:
        items = [found]
    result: list[str] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if item is None or isinstance(item, (list, dict)):
            continue
        name = " ".join(str(item).split())[:max_length]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
        if len(result) >= limit:
            break
    return result


def json_object(value: Any) -> dict[str, Any] | None:
    found = decoded(value)
    return found if isinstance(found, dict) else None


def legacy_int(value: Any) -> int | None:
    """An id kept as text (" 98765 ") as a number; None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value).strip()
    if text.isdigit() and 0 < int(text) < 2**63:
        return int(text)
    return None


def flag(value: Any, default: bool) -> bool:
    """A tinyint(1) that may be NULL (0.9.7's column defaults were applied by Python, not the database)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def setting_flag(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    return value.strip().lower() in ("1", "true", "yes", "on")


def setting_int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() else None


def clean_text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:max_length] if text else None


def day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def count(value: Any) -> int | None:
    number = legacy_int(value) if not isinstance(value, int) else value
    return number if number is not None and number >= 0 else None


def year(value: Any) -> int | None:
    number = legacy_int(value)
    return number if number is not None and 1880 <= number <= 2100 else None


def utc(value: Any) -> datetime | None:
    """0.9.7's timestamps: naive, in UTC (it wrote `datetime.utcnow()`)."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
