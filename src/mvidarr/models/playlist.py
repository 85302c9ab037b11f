from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow
from mvidarr.kit.text import fold


class Playlist(Base):
    """A user's list of videos: manual (its items) or smart (`rule`, a saved video filter)."""

    __tablename__ = "playlist"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False, index=True)
    # None for a manual playlist; the smart rule (SmartRule's JSON) otherwise.
    rule: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
    )
    search_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    """The folded name the search index reads (kept in step on every write, below)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Playlist, "before_insert")
@event.listens_for(Playlist, "before_update")
def _fold_name(_mapper: object, _connection: object, playlist: Playlist) -> None:
    """Every writer (the playlists service, the 0.9.7 import) leaves a findable playlist."""
    playlist.search_text = fold(playlist.name or "")[:600]


class PlaylistItem(Base):
    """One video in a manual playlist, at a position (0-based, dense), with the owner's note."""

    __tablename__ = "playlist_item"
    __table_args__ = (
        UniqueConstraint("playlist_id", "video_id"),
        Index("ix_playlist_item_playlist_id_position", "playlist_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlist.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(1000))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
