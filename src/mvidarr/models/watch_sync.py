from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class WatchSyncLink(Base):
    """One MVidarr user's watched state kept in step with their account on a media-server connection."""

    __tablename__ = "watch_sync_link"
    __table_args__ = (UniqueConstraint("connection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("media_server_connection.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Jellyfin: the server's user (name or id); Plex and Kodi: none.
    remote_user: Mapped[str | None] = mapped_column(String(200))
    # Plex: the account's own token when it is not the connection's (a managed or shared user).
    token: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(default=True)
    last_synced_at: Mapped[datetime | None]
    last_result: Mapped[dict[str, Any] | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WatchSyncItem(Base):
    """The state both sides agreed on at the last sync of one video: what tells who changed since."""

    __tablename__ = "watch_sync_item"
    __table_args__ = (UniqueConstraint("link_id", "video_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("watch_sync_link.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), index=True)
    watched: Mapped[bool] = mapped_column(default=False)
    position_s: Mapped[float] = mapped_column(default=0.0)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
