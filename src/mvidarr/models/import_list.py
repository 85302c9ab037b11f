from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class ImportList(Base):
    """A saved artist list (Lidarr, Last.fm, Spotify) synced on a schedule: its new artists are added."""

    __tablename__ = "import_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2048))
    # Write-only in the API (answered as set / not set), like the other credentials the app keeps.
    api_key: Mapped[str | None] = mapped_column(String(200))
    user: Mapped[str | None] = mapped_column(String(100))
    access_token: Mapped[str | None] = mapped_column(String(2000))
    limit: Mapped[int] = mapped_column(default=200)
    enabled: Mapped[bool] = mapped_column(default=True)
    sync_interval_hours: Mapped[int] = mapped_column(default=24)
    last_synced_at: Mapped[datetime | None] = mapped_column(index=True)
    last_added: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
