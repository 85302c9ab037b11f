from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class Monitor(Base):
    """A YouTube channel or playlist whose new uploads become wanted videos."""

    __tablename__ = "monitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2048))
    # None: take the artist from each item's title ("Artist - Title").
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artist.id", ondelete="SET NULL"), index=True)
    # None: the artist's filters (or the settings default).
    filters: Mapped[dict[str, Any] | None]
    check_interval_hours: Mapped[int] = mapped_column(default=24)
    auto_download: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MonitorItem(Base):
    """One upload a monitor has seen, remembered so a removed video is not added again."""

    __tablename__ = "monitor_item"
    __table_args__ = (UniqueConstraint("monitor_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitor.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2048))
    video_id: Mapped[int | None] = mapped_column(ForeignKey("video.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(255))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
