"""The logs view: filtering and paging the records this process keeps in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mvidarr.kit.pagination import Page, PageParams
from mvidarr.logs import LogEntry, LogRing
from mvidarr.system.logs_schemas import LEVELS, LogLevel, LogRecordPublic


@dataclass(frozen=True, slots=True)
class LogFilter:
    level: LogLevel | None = None
    """The lowest level shown."""
    logger: str | None = None
    """A logger and its children (`mvidarr.jobs` takes `mvidarr.jobs.runner`)."""
    request_id: str | None = None
    q: str | None = None
    """Case-insensitive text in the message or traceback."""
    since: datetime | None = None
    before_id: int | None = None
    """Only records older than this one: keeps later pages steady while new records arrive."""

    def accepts(self, entry: LogEntry) -> bool:
        if self.before_id is not None and entry.id >= self.before_id:
            return False
        if self.level is not None and entry.levelno < LEVELS[self.level]:
            return False
        if self.since is not None and entry.created < self.since.timestamp():
            return False
        if self.request_id is not None and entry.request_id != self.request_id:
            return False
        if self.logger is not None and not (entry.logger == self.logger or entry.logger.startswith(self.logger + ".")):
            return False
        if self.q is not None:
            needle = self.q.casefold()
            return needle in entry.message.casefold() or (entry.exc is not None and needle in entry.exc.casefold())
        return True


def public(entry: LogEntry) -> LogRecordPublic:
    return LogRecordPublic(
        id=entry.id,
        at=datetime.fromtimestamp(entry.created, UTC),
        level=entry.level,
        logger=entry.logger,
        message=entry.message,
        request_id=entry.request_id,
        exc=entry.exc,
        extra=entry.extra or {},
    )


def list_records(ring: LogRing, filters: LogFilter, page: PageParams) -> Page[LogRecordPublic]:
    """One page of the kept records that match, newest first."""
    matching = ring.select(filters.accepts)
    items = matching[page.offset : page.offset + page.page_size]
    return Page(items=[public(entry) for entry in items], total=len(matching), page=page.page, page_size=page.page_size)
