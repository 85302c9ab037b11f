"""Genre queries."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.text import fold, nfc
from mvidarr.models import ArtistGenre, Genre, VideoGenre

_SEPARATORS = re.compile(r"[\s\-_/]+")
_SYNONYMS = {"r and b": "rnb", "r b": "rnb", "rhythm and blues": "rnb", "hiphop": "hip hop"}


def genre_key(name: str) -> str:
    """Normalised genre: 'Hip-Hop', 'hip hop' and 'HIP_HOP' are one genre."""
    key = _SEPARATORS.sub(" ", fold(name).replace("&", " and ")).strip()
    return _SYNONYMS.get(key, key)


async def ensure(session: AsyncSession, names: Iterable[str]) -> dict[str, int]:
    """Genre ids for the given names, creating the missing ones (safe under concurrency)."""
    wanted: dict[str, str] = {}
    for name in names:
        clean = nfc(name)
        key = genre_key(clean)
        if key:
            wanted.setdefault(key, clean)
    if not wanted:
        return {}
    rows = [{"key": key, "name": name} for key, name in wanted.items()]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(Genre).values(rows)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    result = await session.execute(select(Genre.key, Genre.id).where(Genre.key.in_(list(wanted))))
    return dict(result.all())


async def set_for_artist(session: AsyncSession, artist_id: int, names: Sequence[str], source: str) -> None:
    ids = await ensure(session, names)
    await session.execute(delete(ArtistGenre).where(ArtistGenre.artist_id == artist_id))
    if ids:
        await session.execute(
            insert(ArtistGenre),
            [{"artist_id": artist_id, "genre_id": gid, "source": source} for gid in ids.values()],
        )


async def set_for_video(session: AsyncSession, video_id: int, names: Sequence[str], source: str) -> None:
    ids = await ensure(session, names)
    await session.execute(delete(VideoGenre).where(VideoGenre.video_id == video_id))
    if ids:
        await session.execute(
            insert(VideoGenre),
            [{"video_id": video_id, "genre_id": gid, "source": source} for gid in ids.values()],
        )


def list_query(q: str | None) -> Select[int, str, int, int]:
    artist_count = select(func.count()).where(ArtistGenre.genre_id == Genre.id).correlate(Genre).scalar_subquery()
    video_count = select(func.count()).where(VideoGenre.genre_id == Genre.id).correlate(Genre).scalar_subquery()
    stmt = select(Genre.id, Genre.name, artist_count.label("artist_count"), video_count.label("video_count"))
    if q:
        stmt = stmt.where(Genre.key.contains(genre_key(q), autoescape=True))
    return stmt


async def list_genres(
    session: AsyncSession, q: str | None, offset: int, limit: int
) -> tuple[list[tuple[int, str, int, int]], int]:
    base = list_query(q)
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    result = await session.execute(base.order_by(Genre.name, Genre.id).offset(offset).limit(limit))
    return [(row[0], row[1], row[2], row[3]) for row in result.all()], total or 0
