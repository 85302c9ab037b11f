from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mvidarr.db import Base, utcnow

if TYPE_CHECKING:
    from mvidarr.models.artist import Artist


class VideoKind(enum.StrEnum):
    OFFICIAL = "official"
    LIVE = "live"
    LYRIC = "lyric"
    AUDIO = "audio"
    PERFORMANCE = "performance"
    OTHER = "other"


class VideoStatus(enum.StrEnum):
    WANTED = "wanted"
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    MISSING = "missing"
    IGNORED = "ignored"
    FAILED = "failed"


class Video(Base):
    __tablename__ = "video"
    # Covers the per-artist counts (all videos, and those downloaded).
    __table_args__ = (
        Index("ix_video_artist_id_status", "artist_id", "status"),
        # The list's default order; on PostgreSQL a page is found in the index alone (migration 0011).
        Index("ix_video_created_at_id", "created_at", "id"),
        # Every sort of the video list read from an index, the id breaking ties (migration 0014).
        Index("ix_video_sort_key_id", "sort_key", "id"),
        Index("ix_video_artist_sort_key_id", "artist_sort_key", "id"),
        Index("ix_video_quality_score_id", "quality_score", "id"),
        Index("ix_video_year_id", "year", "id"),
        Index("ix_video_release_date_id", "release_date", "id"),
        Index("ix_video_updated_at_id", "updated_at", "id"),
        Index("ix_video_status_id", "status", "id"),
        Index("ix_video_kind_id", "kind", "id"),
        Index("ix_video_duration_s_id", "duration_s", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    sort_title: Mapped[str] = mapped_column(String(500), index=True)
    # fold(sort_title): the order of titles on both databases, whatever their collation; kept by the service.
    sort_key: Mapped[str] = mapped_column(String(500), default="", server_default=text("''"))
    # Copies kept by database triggers (migration 0014), so sorting by artist or quality needs no join:
    # the artist's sort_key, and the current file's quality_score.
    artist_sort_key: Mapped[str] = mapped_column(String(255), default="", server_default=text("''"))
    quality_score: Mapped[float | None]
    version: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(20), default=VideoKind.OFFICIAL)
    status: Mapped[str] = mapped_column(String(20), default=VideoStatus.WANTED)
    monitored: Mapped[bool] = mapped_column(default=True)
    year: Mapped[int | None]
    release_date: Mapped[date | None]
    duration_s: Mapped[float | None]
    album: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    featured_artists: Mapped[list[Any]] = mapped_column(default=list)
    directors: Mapped[list[Any]] = mapped_column(default=list)
    producers: Mapped[list[Any]] = mapped_column(default=list)
    imvdb_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    musicbrainz_recording_id: Mapped[str | None] = mapped_column(String(36))
    youtube_id: Mapped[str | None] = mapped_column(String(32), index=True)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    view_count: Mapped[int | None] = mapped_column(BigInteger)
    like_count: Mapped[int | None] = mapped_column(BigInteger)
    thumbnail_path: Mapped[str | None] = mapped_column(String(1024))
    artwork_source: Mapped[str | None] = mapped_column(String(64))
    locked_fields: Mapped[list[Any]] = mapped_column(default=list)
    field_provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    search_text: Mapped[str] = mapped_column(String(1500))
    discovered_at: Mapped[datetime | None]
    # Discovery: the song this video is a version of (shared by its versions), and why it was skipped.
    song_key: Mapped[str | None] = mapped_column(String(500), index=True)
    skip_reason: Mapped[str | None] = mapped_column(String(255))
    last_enriched_at: Mapped[datetime | None] = mapped_column(index=True)
    # The best quality label a source offered when last checked (upgrade search): "no better version exists".
    best_available_label: Mapped[str | None] = mapped_column(String(8))
    best_available_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    artist: Mapped[Artist] = relationship(back_populates="videos", lazy="raise")
