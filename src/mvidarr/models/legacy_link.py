from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base, utcnow


class LegacyLink(Base):
    """A row of a MVidarr 0.9.7 database already brought across, and what it became here.

    `source` names the 0.9.7 database (its database name), `kind` the table ("artist", "video", ...),
    `legacy_key` its primary key as text; `target_id` is the row here (None when it became part of
    something without an id of its own, such as a setting or a theme). `fields` holds the values the
    last import took from the 0.9.7 row for the fields a re-run follows, `row_digest` a digest of that
    whole row as read (decision 0056).
    """

    __tablename__ = "legacy_link"
    __table_args__ = (UniqueConstraint("source", "kind", "legacy_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    legacy_key: Mapped[str] = mapped_column(String(500))
    target_id: Mapped[int | None]
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    row_digest: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
