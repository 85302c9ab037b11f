from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class SavedSearch(Base):
    """A user's named video filter and sort, as the video list takes them (a smart playlist's rule)."""

    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # `library.bulk_schemas.VideoSelection` as JSON, defaults left out.
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
