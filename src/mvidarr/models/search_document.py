from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base


class SearchDocument(Base):
    """One searchable thing (an artist, a video, a playlist) as the search index sees it.

    Rows are written by database triggers on the source tables, in the same transaction as the
    write (migration 0014), never by the application; the `search.rebuild` job writes them all
    again. `key_text` and `more_text` are folded text (`kit.text.fold`), weighted high and low in
    the ranking; `label` and `detail` are what a result shows. SQLite indexes the two texts in the
    FTS5 table `search_fts`, PostgreSQL in a GIN index on their weighted tsvector (decision 0035).
    """

    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int]
    label: Mapped[str] = mapped_column(String(800))
    detail: Mapped[str] = mapped_column(String(800))
    key_text: Mapped[str] = mapped_column(Text)
    more_text: Mapped[str] = mapped_column(Text)
    viewer_id: Mapped[int | None] = mapped_column(index=True)
    """The one user who may find it (a private playlist's owner); NULL: everyone (migration 0026)."""
