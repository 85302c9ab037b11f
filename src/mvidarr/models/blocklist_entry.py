from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class BlocklistEntry(Base):
    """A source that must never be downloaded again (for one video, or for any when video_id is null)."""

    __tablename__ = "blocklist_entry"
    __table_args__ = (Index("ix_blocklist_entry_source_key_video_id", "source_key", "video_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), index=True)
    # "youtube:<id>" for YouTube, else the URL without fragment: one source, however it was written.
    source_key: Mapped[str] = mapped_column(String(2048))
    source_url: Mapped[str] = mapped_column(String(2048))
    artist_seen: Mapped[str | None] = mapped_column(String(500))
    title_seen: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
