"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC.

Supports `*`, lists, ranges, steps (`*/15`, `1-30/5`), month and weekday names, and the
`@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly` shortcuts. As in Vixie cron, when both
day fields are restricted a day matches if either does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

_SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {
    name: i + 1
    for i, name in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}
_DAYS = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("weekday", 0, 7, _DAYS),
)
_HORIZON_DAYS = 366 * 5


class CronError(ValueError):
    pass


def _value(raw: str, names: dict[str, int], field: str) -> int:
    key = raw.lower()
    if key in names:
        return names[key]
    if not raw.isdigit():
        raise CronError(f"{field}: {raw!r} is not a number")
    return int(raw)


def _parse_field(raw: str, field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for part in raw.split(","):
        body, _, step_raw = part.partition("/")
        step = 1
        if step_raw:
            if not step_raw.isdigit() or int(step_raw) < 1:
                raise CronError(f"{field}: bad step {step_raw!r}")
            step = int(step_raw)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _value(first, names, field), _value(last, names, field)
        else:
            start = _value(body, names, field)
            end = high if step_raw else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"{field}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        text = _SHORTCUTS.get(expression.strip().lower(), expression.strip())
        parts = text.split()
        if len(parts) != 5:
            raise CronError("a cron expression has five fields: minute hour day-of-month month day-of-week")
        sets = [
            _parse_field(raw, field, low, high, names)
            for raw, (field, low, high, names) in zip(parts, _FIELDS, strict=True)
        ]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*")

    def _day_matches(self, moment: datetime) -> bool:
        in_days = moment.day in self.days
        in_weekdays = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_days and in_weekdays
        return in_days or in_weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after `moment`."""
        current = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = moment + timedelta(days=_HORIZON_DAYS)
        while current <= limit:
            if current.month not in self.months:
                year, month = (current.year + 1, 1) if current.month == 12 else (current.year, current.month + 1)
                current = current.replace(year=year, month=month, day=1, hour=0, minute=0)
                continue
            if not self._day_matches(current):
                current = current.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if current.hour not in self.hours:
                current = current.replace(minute=0) + timedelta(hours=1)
                continue
            if current.minute not in self.minutes:
                current += timedelta(minutes=1)
                continue
            return current
        raise CronError("the expression never matches")
