from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class TrashState(enum.StrEnum):
    MOVING = "moving"
    """Journaled: the row exists before the file moves; a row left in this state is settled by the purge job."""
    TRASHED = "trashed"


class TrashEntry(Base):
    """A file moved into its root folder's `.mvidarr-trash/`, restorable until a date."""

    __tablename__ = "trash_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    root_folder_id: Mapped[int] = mapped_column(ForeignKey("root_folder.id", ondelete="CASCADE"), index=True)
    original_path: Mapped[str] = mapped_column(String(4096))
    # The real bytes of a name that is not valid UTF-8 (as media_file keeps them).
    original_path_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    trash_path: Mapped[str] = mapped_column(String(4096))
    sidecars: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default=TrashState.MOVING, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    video_id: Mapped[int | None]
    artist_name: Mapped[str | None] = mapped_column(String(255))
    video_title: Mapped[str | None] = mapped_column(String(500))
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    restorable_until: Mapped[datetime] = mapped_column(index=True)
    # The video row and the media_file row as they were (migration 0021), so a restore brings the
    # video back under its id; None for entries trashed before, and for files no video owned.
    snapshot: Mapped[dict[str, Any] | None]
