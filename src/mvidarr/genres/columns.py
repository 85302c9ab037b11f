"""Genre names of a row as one column, so a page of rows needs no extra query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import InstrumentedAttribute

from mvidarr.genres.repository import genre_key
from mvidarr.kit import sqljson
from mvidarr.models import ArtistGenre, Genre, VideoGenre

# Control characters are refused in names, so this separator never occurs inside one.
SEPARATOR = "\x1f"
MAX_GENRES = 1000
"""More than any real owner has; SQLite keeps a subquery's order only when it is limited."""


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
    # By genre key, the order `names_json` gives in SQL.
    return sorted(value.split(SEPARATOR), key=genre_key) if value else []


def names_json(link: Any, owner_column: Any, owner_id: InstrumentedAttribute[int]) -> ScalarSelect[Any]:
    """The owner's genre names as a JSON array, ordered by genre key (see kit.sqljson)."""
    names = (
        select(Genre.name, Genre.key)
        .join(link, link.genre_id == Genre.id)
        .where(owner_column == owner_id)
        .correlate(owner_id.class_)
        .order_by(Genre.key)
        .limit(MAX_GENRES)
        .subquery()
    )
    return select(sqljson.JsonArrayAgg(names.c.name, names.c.key)).scalar_subquery()


def video_genres_json(video_id: InstrumentedAttribute[int]) -> ScalarSelect[Any]:
    return names_json(VideoGenre, VideoGenre.video_id, video_id)


def artist_genres_json(artist_id: InstrumentedAttribute[int]) -> ScalarSelect[Any]:
    return names_json(ArtistGenre, ArtistGenre.artist_id, artist_id)
