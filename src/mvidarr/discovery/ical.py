"""The release calendar as an iCalendar feed (RFC 5545) for calendar apps: one all-day event per
video release. Written here rather than with a library: it is a few properties of one component."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mvidarr.discovery.schemas import CalendarItem

PRODID = "-//MVidarr//Release calendar//EN"
_LINE_OCTETS = 75


def _escape(text: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space (3.1), never
    splitting a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    limit = _LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, _LINE_OCTETS - 1
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def feed(items: Iterable[CalendarItem], *, base_url: str, now: dt.datetime, host: str) -> str:
    """The VCALENDAR text, CRLF line ends, for the given releases."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:MVidarr releases",
    ]
    for item in items:
        title = f"{item.artist.name} - {item.title}" + (f" ({item.version})" if item.version else "")
        day = item.release_date
        lines += [
            "BEGIN:VEVENT",
            f"UID:video-{item.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(title)}",
            f"DESCRIPTION:{_escape(f'{item.kind.value} video, {item.status.value}')}",
            f"URL:{base_url}/videos/{item.id}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
