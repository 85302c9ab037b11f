from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class QualityProfile(Base):
    """What quality an artist's videos should have: allowed labels, the cutoff, codec and size wishes."""

    __tablename__ = "quality_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Labels in order of preference, best first (e.g. ["2160p", "1080p", "720p"]).
    allowed_labels: Mapped[list[Any]] = mapped_column(default=list)
    cutoff: Mapped[str] = mapped_column(String(8))
    preferred_video_codecs: Mapped[list[Any]] = mapped_column(default=list)
    preferred_container: Mapped[str | None] = mapped_column(String(32))
    min_mb_per_minute: Mapped[float | None]
    max_mb_per_minute: Mapped[float | None]
    upgrade_allowed: Mapped[bool] = mapped_column(default=True)
    sponsorblock: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    """What downloads do with SponsorBlock's segments: off, cut (removed from the file) or mark (chapters)."""
    sponsorblock_categories: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    """SponsorBlock categories cut or marked (music_offtopic, intro, outro, sponsor, selfpromo, ...)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
