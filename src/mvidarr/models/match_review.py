from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class MatchReview(Base):
    """A video or artist whose best provider match scored below the threshold: it waits for a person.

    One row per video or artist (exactly one of the two ids is set); `candidates` holds the ranked
    candidates as enrichment found them. Applying a match by hand, or a later confident match,
    removes the row.
    """

    __tablename__ = "match_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), unique=True)
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), unique=True)
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    best_confidence: Mapped[float] = mapped_column(default=0.0, index=True)
    provider: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
