from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mvidarr.db import Base, utcnow

if TYPE_CHECKING:
    from mvidarr.models.root_folder import RootFolder
    from mvidarr.models.video import Video


class Artist(Base):
    __tablename__ = "artist"
    __table_args__ = (
        Index("uq_artist_name_key_disambiguation_key", "name_key", "disambiguation_key", unique=True),
        # Sorting by name, case- and accent-insensitively, from the index (migration 0014).
        Index("ix_artist_sort_key_id", "sort_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    sort_name: Mapped[str] = mapped_column(String(255))
    # fold(sort_name): the order of names on both databases, whatever their collation; kept by the service.
    sort_key: Mapped[str] = mapped_column(String(255), default="", server_default=text("''"))
    disambiguation: Mapped[str] = mapped_column(String(255), default="")
    # Folded forms (casefold, accents stripped) for identity and search; kept by the service.
    name_key: Mapped[str] = mapped_column(String(255))
    disambiguation_key: Mapped[str] = mapped_column(String(255), default="")
    search_text: Mapped[str] = mapped_column(String(600), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    begin_year: Mapped[int | None]
    biography: Mapped[str | None] = mapped_column(Text)
    imvdb_slug: Mapped[str | None] = mapped_column(String(255))
    imvdb_id: Mapped[int | None] = mapped_column(BigInteger)
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36), index=True)
    spotify_id: Mapped[str | None] = mapped_column(String(64))
    youtube_channel_id: Mapped[str | None] = mapped_column(String(64))
    wikidata_id: Mapped[str | None] = mapped_column(String(32))
    audiodb_id: Mapped[str | None] = mapped_column(String(32))
    monitored: Mapped[bool] = mapped_column(default=True, index=True)
    auto_download: Mapped[bool] = mapped_column(default=False)
    include_words: Mapped[list[Any]] = mapped_column(default=list)
    exclude_words: Mapped[list[Any]] = mapped_column(default=list)
    allowed_kinds: Mapped[list[Any] | None]
    # Discovery: only videos released after the artist was added; per-artist minimums (None: settings default).
    monitor_new: Mapped[bool] = mapped_column(default=False)
    min_year: Mapped[int | None]
    min_duration_s: Mapped[float | None]
    folder_name: Mapped[str | None] = mapped_column(String(255))
    root_folder_id: Mapped[int | None] = mapped_column(ForeignKey("root_folder.id", ondelete="SET NULL"), index=True)
    quality_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_profile.id", ondelete="SET NULL"), index=True
    )
    thumbnail_path: Mapped[str | None] = mapped_column(String(1024))
    fanart_path: Mapped[str | None] = mapped_column(String(1024))
    artwork_source: Mapped[str | None] = mapped_column(String(64))
    locked_fields: Mapped[list[Any]] = mapped_column(default=list)
    field_provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_discovered_at: Mapped[datetime | None]
    last_enriched_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    root_folder: Mapped[RootFolder | None] = relationship(lazy="raise")
    videos: Mapped[list[Video]] = relationship(back_populates="artist", lazy="raise", passive_deletes=True)
