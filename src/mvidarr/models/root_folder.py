from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class RootFolder(Base):
    """A library folder that MVidarr scans and organises files into."""

    __tablename__ = "root_folder"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(4096), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    free_space_bytes: Mapped[int | None] = mapped_column(BigInteger)
    accessible: Mapped[bool] = mapped_column(default=True)
    checked_at: Mapped[datetime | None]
    last_scan_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
