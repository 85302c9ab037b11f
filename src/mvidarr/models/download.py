from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class DownloadOutcome(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Download(Base):
    """One attempt of a `video.download` (or upgrade) job: its candidates, live transfer state and outcome."""

    __tablename__ = "download"
    __table_args__ = (Index("ix_download_source_host_status", "source_host", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("video.id", ondelete="SET NULL"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    upgrade: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=DownloadOutcome.RUNNING, index=True)
    phase: Mapped[str | None] = mapped_column(String(16))
    source_url: Mapped[str | None] = mapped_column(String(2048))
    source_title: Mapped[str | None] = mapped_column(String(500))
    source_channel: Mapped[str | None] = mapped_column(String(255))
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    failures: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(Text)
    """What the user can do about the failure (upload a cookies file, set a PO token, wait), in plain words."""
    source_host: Mapped[str | None] = mapped_column(String(255))
    format_id: Mapped[str | None] = mapped_column(String(200))
    quality_label: Mapped[str | None] = mapped_column(String(8))
    container: Mapped[str | None] = mapped_column(String(32))
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None] = mapped_column(BigInteger)
    downloaded_bytes: Mapped[int | None] = mapped_column(BigInteger)
    total_bytes: Mapped[int | None] = mapped_column(BigInteger)
    speed: Mapped[float | None]
    eta_s: Mapped[float | None]
    duration_s: Mapped[float | None]
    elapsed_s: Mapped[float | None]
    relative_path: Mapped[str | None] = mapped_column(String(4096))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
