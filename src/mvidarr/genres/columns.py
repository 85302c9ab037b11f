"""Genre names of a row as one column, so a page of rows needs no extra query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import InstrumentedAttribute

from mvidarr.models import ArtistGenre, Genre, VideoGenre

# Control characters are refused in names, so this separator never occurs inside one.
SEPARATOR = "\x1f"


def _names(link: Any, owner_column: Any, owner_id: InstrumentedAttribute[int]) -> ScalarSelect[str]:
    return (
        select(func.aggregate_strings(Genre.name, SEPARATOR))
        .join(link, link.genre_id == Genre.id)
        .where(owner_column == owner_id)
        .scalar_subquery()
    )


def video_genres(video_id: InstrumentedAttribute[int]) -> ScalarSelect[str]:
    return _names(VideoGenre, VideoGenre.video_id, video_id)


def artist_genres(artist_id: InstrumentedAttribute[int]) -> ScalarSelect[str]:
    return _names(ArtistGenre, ArtistGenre.artist_id, artist_id)


def split(value: str | None) -> list[str]:
    # Sorted here: ORDER BY inside group_concat needs SQLite 3.44, newer than many systems ship.
    return sorted(value.split(SEPARATOR), key=str.casefold) if value else []
