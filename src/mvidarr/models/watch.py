from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class WatchState(Base):
    """One user's state of one video: where to resume, whether watched, plays, favourite."""

    __tablename__ = "watch_state"
    __table_args__ = (
        UniqueConstraint("user_id", "video_id"),
        # "Continue watching" and the history: a user's videos by when last played.
        Index("ix_watch_state_user_id_last_played_at", "user_id", "last_played_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), index=True)
    position_s: Mapped[float] = mapped_column(default=0.0)
    duration_s: Mapped[float | None]
    watched: Mapped[bool] = mapped_column(default=False)
    play_count: Mapped[int] = mapped_column(default=0)
    last_played_at: Mapped[datetime | None]
    favourite: Mapped[bool] = mapped_column(default=False)
    favourited_at: Mapped[datetime | None]


class PlayEvent(Base):
    """One play of a video by a user: started, its last reported position, finished or not."""

    __tablename__ = "play_event"
    __table_args__ = (Index("ix_play_event_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    position_s: Mapped[float] = mapped_column(default=0.0)
    completed: Mapped[bool] = mapped_column(default=False)
