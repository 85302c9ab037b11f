from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class FileMoveState(enum.StrEnum):
    PENDING = "pending"
    """Journaled before the move; a row left in this state is completed or rolled back by recovery."""
    DONE = "done"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class FileMove(Base):
    """The move journal: one video file (and its sidecars) moved by the organiser or placed by a download."""

    __tablename__ = "file_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
    media_file_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id", ondelete="SET NULL"), index=True)
    root_folder_id: Mapped[int | None] = mapped_column(ForeignKey("root_folder.id", ondelete="SET NULL"))
    src_path: Mapped[str] = mapped_column(String(4096))
    dst_path: Mapped[str] = mapped_column(String(4096))
    # Where the file is relative to its root folder once moved (what media_file.relative_path becomes).
    dst_relative_path: Mapped[str] = mapped_column(String(4096))
    # [[src, dst], ...] for sidecar files moving with the video.
    sidecars: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default=FileMoveState.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
