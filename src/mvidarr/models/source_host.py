from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class SourceHost(Base):
    """A host downloads come from (youtube.com, vimeo.com) that refused or rate-limited us: downloads
    from it wait until `wait_until` (kept in the database, so a restart does not hammer it again)."""

    __tablename__ = "source_host"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """What the host answered last: rate_limited, bot_check."""
    refusals: Mapped[int] = mapped_column(default=0)
    """Refusals in a row; each doubles the wait (reset by a download that succeeds)."""
    reason: Mapped[str | None] = mapped_column(Text)
    wait_until: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
