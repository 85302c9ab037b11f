from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class MediaFile(Base):
    """A file on disk under a root folder, with what probing found in it."""

    __tablename__ = "media_file"
    __table_args__ = (
        UniqueConstraint("root_folder_id", "relative_path"),
        # At most one current file per video.
        Index(
            "uq_media_file_current_video",
            "video_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("video.id", ondelete="SET NULL"), index=True)
    root_folder_id: Mapped[int] = mapped_column(ForeignKey("root_folder.id", ondelete="CASCADE"))
    # The path as text; a name that is not valid UTF-8 shows U+FFFD here and keeps its real bytes
    # in `relative_path_bytes`, which is what reaches the filesystem.
    relative_path: Mapped[str] = mapped_column(String(4096))
    relative_path_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    is_current: Mapped[bool] = mapped_column(default=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[float]
    partial_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    container: Mapped[str | None] = mapped_column(String(32))
    duration_s: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    fps: Mapped[float | None]
    video_codec: Mapped[str | None] = mapped_column(String(32))
    video_profile: Mapped[str | None] = mapped_column(String(64))
    bit_depth: Mapped[int | None]
    hdr: Mapped[str | None] = mapped_column(String(16))
    video_bitrate: Mapped[int | None] = mapped_column(BigInteger)
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    audio_channels: Mapped[int | None]
    audio_sample_rate: Mapped[int | None]
    audio_bitrate: Mapped[int | None] = mapped_column(BigInteger)
    overall_bitrate: Mapped[int | None] = mapped_column(BigInteger)
    quality_label: Mapped[str | None] = mapped_column(String(8), index=True)
    quality_score: Mapped[float | None]
    probe_error: Mapped[str | None] = mapped_column(Text)
    analysed_at: Mapped[datetime | None]
    # Container tags probing found (artist, title, date), kept to match and to show unmatched files.
    tags: Mapped[dict[str, Any] | None]
    match_source: Mapped[str | None] = mapped_column(String(16))
    # Set to the scan's start by every scan that sees the file; a file not seen by a complete scan is missing.
    seen_at: Mapped[datetime | None]
    missing_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
