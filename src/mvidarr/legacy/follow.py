"""What a re-run carries from a 0.9.7 row already brought across (decision 0056).

A followed field takes 0.9.7's new value only when it changed there since the last import and the
row here still holds what that import wrote: a field the user edited (or enrichment filled) since,
or locked, keeps its value here. Every import records what it took (`legacy_link.fields`), so the
next one can tell both changes apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson

ARTIST_FIELDS = ("name", "imvdb_id", "spotify_id", "monitored", "auto_download", "include_words")
VIDEO_FIELDS = (
    "title",
    "year",
    "release_date",
    "album",
    "label",
    "description",
    "directors",
    "producers",
    "imvdb_id",
    "youtube_id",
    "view_count",
    "like_count",
    "duration_s",
)
PLAYLIST_FIELDS = ("name", "description", "public")
MONITOR_FIELDS = ("name", "auto_download")
ROW = "_row"
"""The key of the 0.9.7 row's digest in what `recorded` returns (stored apart, `legacy_link.row_digest`)."""


def plain(value: Any) -> Any:
    """A value as JSON keeps it (dates as ISO text, tuples as lists), so stored and live values compare."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def taken(values: Mapping[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """The followed fields of the values an import takes from a 0.9.7 row, as they are recorded."""
    return {name: plain(values.get(name)) for name in fields}


def digest(row: Mapping[str, Any]) -> str:
    """A fingerprint of a whole 0.9.7 row as read (any column changing changes it)."""
    raw = orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def recorded(row: Mapping[str, Any], values: Mapping[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """What an import records for a row it brings across: the followed values and the row's digest."""
    return {**taken(values, fields), ROW: digest(row)}


@dataclass(slots=True)
class Changes:
    """What a re-run does to one row here: the fields it updates and the ones it keeps, with why."""

    apply: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)

    @property
    def changed_in_source(self) -> bool:
        return bool(self.apply or self.kept)


def changes(
    recorded: Mapping[str, Any], now: Mapping[str, Any], here: Mapping[str, Any], locked: Collection[str] = ()
) -> Changes:
    """`recorded`: what the last import took; `now`: what 0.9.7 holds now (both from `taken`);
    `here`: the row's current values. A field missing from `recorded` was not followed then: skipped."""
    result = Changes()
    for name, new in now.items():
        if name not in recorded or recorded[name] == new:
            continue
        if name in locked:
            result.kept[name] = "locked here"
        elif plain(here.get(name)) != recorded[name]:
            result.kept[name] = "changed here since the last import"
        else:
            result.apply[name] = new
    return result
