"""Small conversions shared by the provider modules (dates, durations, ids)."""

from __future__ import annotations

import re
from datetime import date

_YEAR = re.compile(r"^\s*(\d{4})")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_URL = re.compile(r"(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)([A-Za-z0-9_-]{11})")


def year_of(value: str | int | None) -> int | None:
    """The year of '1999', '1999-03' or '1999-03-04'; None when absent or not a plausible year."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 2999 else None
    match = _YEAR.match(value)
    return int(match.group(1)) if match and 1000 <= int(match.group(1)) <= 2999 else None


def date_of(value: str | None) -> date | None:
    """A full ISO date ('1999-03-04', or with a time after it); None for partial dates."""
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# "April 7, 1997", "April 7th, 1997", "7 April 1997", "Apr. 7 1997".
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")


def text_date(value: str | None) -> date | None:
    """A full date written as text ('April 7, 1997', '7th April 1997') or ISO; None for partial dates."""
    if not value:
        return None
    iso = date_of(value.strip())
    if iso is not None:
        return iso
    text = " ".join(value.strip().lower().split())
    month_first = _MONTH_DAY_YEAR.match(text)
    day_first = _DAY_MONTH_YEAR.match(text)
    if month_first:
        month_name, day, year = month_first.groups()
    elif day_first:
        day, month_name, year = day_first.groups()
    else:
        return None
    month = _MONTHS.get(month_name)
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


def iso_duration_s(value: str | None) -> float | None:
    """ISO 8601 durations as YouTube gives them ('PT3M33S')."""
    if not value:
        return None
    match = _DURATION.match(value)
    if not match:
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def youtube_id(value: str | None) -> str | None:
    """The video id in a YouTube URL, or the value itself when it is already an id."""
    if not value:
        return None
    if YOUTUBE_ID.match(value):
        return value
    match = _YOUTUBE_URL.search(value)
    return match.group(1) if match else None


def lucene_quote(value: str) -> str:
    """A phrase for MusicBrainz's Lucene search syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
