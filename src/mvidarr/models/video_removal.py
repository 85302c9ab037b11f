from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class VideoRemoval(Base):
    """A video the user deleted or blocklisted: discovery and monitors never add it again."""

    __tablename__ = "video_removal"

    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    song_key: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    version_key: Mapped[str] = mapped_column(String(255), default="")
    youtube_id: Mapped[str | None] = mapped_column(String(32), index=True)
    imvdb_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
