"""Artists: create, read, update, delete, with identity kept unique by folded name."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository
from mvidarr.artists.repository import ArtistFilter
from mvidarr.artists.schemas import LOCKABLE, ArtistCreate, ArtistListItem, ArtistMerged, ArtistPublic, ArtistUpdate
from mvidarr.errors import CONFLICT, REFERENCE, ArtistNotFound, Conflict, InvalidInput
from mvidarr.genres import repository as genres
from mvidarr.genres.columns import split as split_genres
from mvidarr.kit.locks import locked_after_edit
from mvidarr.kit.pagination import Page, PageParams, sort_clauses
from mvidarr.kit.queries import Scalars
from mvidarr.kit.text import fold, identity_key, sort_name
from mvidarr.models import Artist, QualityProfile, RootFolder, Video

# Fields a user edit locks against enrichment (provider-filled metadata).


LIST_DEFAULT_SORT = "name"
_ARTIST_PAGE: TypeAdapter[Page[ArtistListItem]] = TypeAdapter(Page[ArtistListItem])


async def list_artists_json(db: Scalars, flt: ArtistFilter, sort: str | None, page: PageParams) -> str:
    """A page of the artist list as the JSON text of `Page[ArtistListItem]`, built by the database."""
    # ORDER BY is built (and the sort validated) only when no statement for this sort is kept yet.
    order = partial(sort_clauses, sort, repository.SORTABLE, default=LIST_DEFAULT_SORT, tiebreak=Artist.id)
    return await repository.list_page_json(db, flt, sort or LIST_DEFAULT_SORT, order, page)


async def list_artists(
    session: AsyncSession, flt: ArtistFilter, sort: str | None, page: PageParams
) -> Page[ArtistListItem]:
    """The same page as a model, for the web pages that render it."""
    return _ARTIST_PAGE.validate_json(await list_artists_json(session, flt, sort, page))


async def artist_exists(db: Scalars, artist_id: int) -> bool:
    return await repository.exists(db, artist_id)


async def get_artist(session: AsyncSession, artist_id: int) -> Artist:
    artist = await repository.get(session, artist_id)
    if artist is None:
        raise ArtistNotFound(artist_id)
    return artist


async def to_public(session: AsyncSession, artist: Artist) -> ArtistPublic:
    video_count, downloaded, genre_names = await repository.extras(session, artist.id)
    data = {c.key: getattr(artist, c.key) for c in Artist.__table__.columns}
    return ArtistPublic.model_validate(
        {**data, "genres": split_genres(genre_names), "video_count": video_count, "downloaded_count": downloaded}
    )


async def read_artist(session: AsyncSession, artist_id: int) -> ArtistPublic:
    return await to_public(session, await get_artist(session, artist_id))


def _apply_identity(artist: Artist) -> None:
    artist.name_key = identity_key(artist.name)
    artist.disambiguation_key = fold(artist.disambiguation)
    artist.sort_key = fold(artist.sort_name)[:255]
    artist.search_text = fold(f"{artist.name} {artist.sort_name} {artist.disambiguation}")[:600]


async def find_or_create(session: AsyncSession, name: str) -> tuple[Artist, bool]:
    """The artist of this name (case/accent-insensitively, `The X` = `X, The`), created if new.

    Safe against a concurrent creator: the insert runs in a savepoint and a unique-index
    conflict is answered with the other transaction's artist.
    """
    key = identity_key(name)
    found = await repository.find_by_identity(session, key, "")
    if found is not None:
        return found, False
    artist = Artist(name=name, sort_name=sort_name(name), disambiguation="")
    _apply_identity(artist)
    try:
        async with session.begin_nested():
            session.add(artist)
    except IntegrityError:
        found = await repository.find_by_identity(session, key, "")
        if found is None:
            raise
        return found, False
    return artist, True


async def _check_unique(session: AsyncSession, artist: Artist) -> None:
    other = await repository.find_by_identity(session, artist.name_key, artist.disambiguation_key, exclude_id=artist.id)
    if other is not None:
        suffix = f" ({other.disambiguation})" if other.disambiguation else ""
        raise Conflict(
            f"artist {other.name!r}{suffix} already exists as id {other.id}; "
            "set a disambiguation to add another artist of that name"
        )


async def _check_root_folder(session: AsyncSession, root_folder_id: int | None) -> None:
    if root_folder_id is not None and await session.get(RootFolder, root_folder_id) is None:
        raise InvalidInput(
            f"root folder {root_folder_id} does not exist", loc=("body", "root_folder_id"), type_=REFERENCE
        )


async def _check_quality_profile(session: AsyncSession, profile_id: int | None) -> None:
    if profile_id is not None and await session.get(QualityProfile, profile_id) is None:
        raise InvalidInput(
            f"quality profile {profile_id} does not exist", loc=("body", "quality_profile_id"), type_=REFERENCE
        )


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("an artist with this name and disambiguation already exists") from None


async def create_artist(session: AsyncSession, data: ArtistCreate) -> ArtistPublic:
    fields = data.model_dump(exclude={"genres"})
    fields["sort_name"] = fields["sort_name"] or sort_name(data.name)
    artist = Artist(**fields)
    _apply_identity(artist)
    await _check_root_folder(session, data.root_folder_id)
    await _check_quality_profile(session, data.quality_profile_id)
    await _check_unique(session, artist)
    session.add(artist)
    await _flush(session)
    if data.genres:
        await genres.set_for_artist(session, artist.id, data.genres, source="user")
    return await to_public(session, artist)


async def update_artist(session: AsyncSession, artist_id: int, data: ArtistUpdate) -> ArtistPublic:
    artist = await get_artist(session, artist_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InvalidInput("name cannot be null", loc=("body", "name"))
    explicit_locks = changes.pop("locked_fields", None)
    new_genres = changes.pop("genres", None)
    if "root_folder_id" in changes:
        await _check_root_folder(session, changes["root_folder_id"])
    if "quality_profile_id" in changes:
        await _check_quality_profile(session, changes["quality_profile_id"])
    for key, value in changes.items():
        setattr(artist, key, value)
    if ("name" in changes and "sort_name" not in changes) or artist.sort_name is None:
        # A null sort name means "derive it from the name", as when the artist was added.
        artist.sort_name = sort_name(artist.name)
    _apply_identity(artist)
    await _check_unique(session, artist)
    edited = set(changes) | ({"genres"} if new_genres is not None else set())
    artist.locked_fields = locked_after_edit(artist.locked_fields, edited, explicit_locks, LOCKABLE)
    await _flush(session)
    if new_genres is not None:
        await genres.set_for_artist(session, artist.id, new_genres, source="user")
    return await to_public(session, artist)


async def delete_artist(session: AsyncSession, artist_id: int, *, delete_videos: bool) -> None:
    artist = await get_artist(session, artist_id)
    count = await repository.has_videos(session, artist_id)
    if count and not delete_videos:
        raise Conflict(f"artist {artist.name!r} has {count} video(s); pass delete_videos=true to delete them too")
    if count:
        await session.execute(sql_delete(Video).where(Video.artist_id == artist_id))
    await session.delete(artist)
    await session.flush()


_FILLED_BY_MERGE = (
    "disambiguation", "country", "begin_year", "biography", "imvdb_slug", "imvdb_id", "musicbrainz_id", "spotify_id",
    "youtube_channel_id", "wikidata_id", "audiodb_id", "thumbnail_path", "fanart_path", "artwork_source",
    "root_folder_id", "quality_profile_id",
)  # fmt: skip


async def merge_artists(session: AsyncSession, source_id: int, target_id: int) -> ArtistMerged:
    """Moves every video (and monitor, and remembered removal) of `source` to `target`, fills the
    target's empty fields and genres from the source, and deletes the source."""
    if source_id == target_id:
        raise InvalidInput("an artist cannot be merged into itself", loc=("body", "into_artist_id"), type_=CONFLICT)
    source = await get_artist(session, source_id)
    target = await get_artist(session, target_id)
    moved = await repository.move_artist_rows(session, source_id, target_id)
    for field in _FILLED_BY_MERGE:
        if getattr(target, field) in (None, "") and getattr(source, field) not in (None, ""):
            setattr(target, field, getattr(source, field))
    names = await repository.genre_names(session, [target_id, source_id])
    await session.delete(source)
    await session.flush()
    _apply_identity(target)
    await _flush(session)
    if names:
        await genres.set_for_artist(session, target_id, names, source="user")
    return ArtistMerged(artist=await to_public(session, target), videos_moved=moved, merged_name=source.name)
