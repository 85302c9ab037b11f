from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mvidarr.db import Base


class Genre(Base):
    __tablename__ = "genre"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Normalised form ("hip hop" and "Hip-Hop" are one genre); unique.
    key: Mapped[str] = mapped_column(String(100), unique=True)


class ArtistGenre(Base):
    __tablename__ = "artist_genre"

    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), primary_key=True)
    genre_id: Mapped[int] = mapped_column(ForeignKey("genre.id", ondelete="CASCADE"), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(32), default="user")


class VideoGenre(Base):
    __tablename__ = "video_genre"

    video_id: Mapped[int] = mapped_column(ForeignKey("video.id", ondelete="CASCADE"), primary_key=True)
    genre_id: Mapped[int] = mapped_column(ForeignKey("genre.id", ondelete="CASCADE"), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(32), default="user")
