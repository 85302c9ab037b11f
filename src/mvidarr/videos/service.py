"""Videos: listing with filters, and create/read/update/delete."""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists.service import artist_exists, get_artist
from mvidarr.discovery.removals import remember_removal
from mvidarr.errors import CONFLICT, REFERENCE, ArtistNotFound, InvalidInput, VideoNotFound
from mvidarr.genres import repository as genres
from mvidarr.kit.keyset import read_cursor
from mvidarr.kit.locks import locked_after_edit
from mvidarr.kit.pagination import Page, PageParams, sort_fields
from mvidarr.kit.queries import Scalars
from mvidarr.kit.text import fold, sort_name
from mvidarr.models import Artist, Video
from mvidarr.videos import repository
from mvidarr.videos.repository import VideoFilter
from mvidarr.videos.schemas import LOCKABLE, VideoCreate, VideoFacets, VideoListItem, VideoPublic, VideoUpdate

LIST_DEFAULT_SORT = "-created_at"
_VIDEO_PAGE: TypeAdapter[Page[VideoListItem]] = TypeAdapter(Page[VideoListItem])


async def list_videos_json(db: Scalars, flt: VideoFilter, sort: str | None, page: PageParams) -> str:
    """A page of the video list as the JSON text of `Page[VideoListItem]`, built by the database."""
    # The sort is parsed (and validated) only when no statement for this sort is kept yet.
    fields = partial(sort_fields, sort, repository.SORTABLE, default=LIST_DEFAULT_SORT)
    return await repository.list_page_json(db, flt, sort or LIST_DEFAULT_SORT, fields, page)


async def list_videos_by_cursor_json(
    db: Scalars, dialect: str, flt: VideoFilter, sort: str | None, page: PageParams, cursor: str | None
) -> str:
    """A page of the video list as the JSON text of `CursorPage[VideoListItem]`: the numbered page, or
    with a cursor the page after the place it marks (`dialect`: the database's, whose order it follows)."""
    fields = sort_fields(sort, repository.SORTABLE, default=LIST_DEFAULT_SORT)
    keyset = None
    if cursor is not None:
        if page.page != 1:
            raise InvalidInput("send either page or cursor, not both", loc=("query", "page"), type_=CONFLICT)
        keyset = read_cursor(cursor, fields, dialect)
    return await repository.list_page_json(
        db, flt, sort or LIST_DEFAULT_SORT, lambda: fields, page, keyset=keyset, with_cursor=True
    )


async def list_videos(
    session: AsyncSession, flt: VideoFilter, sort: str | None, page: PageParams
) -> Page[VideoListItem]:
    """The same page as a model, for the web pages that render it."""
    return _VIDEO_PAGE.validate_json(await list_videos_json(session, flt, sort, page))


async def facets(session: AsyncSession, flt: VideoFilter) -> VideoFacets:
    """Counts of the matching videos by status, kind, decade, genre, quality label and file."""
    return VideoFacets.model_validate(await repository.facet_counts(session, flt))


async def video_json(db: Scalars, video_id: int) -> str:
    """The video as the JSON text of VideoPublic, built by the database."""
    document = await repository.detail_json(db, video_id)
    if document is None:
        raise VideoNotFound(video_id)
    return document


async def read_video(session: AsyncSession, video_id: int) -> VideoPublic:
    """The video as seen inside the session's unit of work (the same statement as `video_json`)."""
    return VideoPublic.model_validate_json(await video_json(session, video_id))


async def get_video(session: AsyncSession, video_id: int) -> Video:
    video = await session.get(Video, video_id)
    if video is None:
        raise VideoNotFound(video_id)
    return video


async def _existing_artist(session: AsyncSession, artist_id: int) -> Artist:
    artist = await session.get(Artist, artist_id)
    if artist is None:
        raise InvalidInput(f"artist {artist_id} does not exist", loc=("body", "artist_id"), type_=REFERENCE)
    return artist


def derive_fields(video: Video) -> None:
    """Sort title and search text, kept in step with the title and the searchable fields."""
    video.sort_title = sort_name(video.title)
    video.sort_key = fold(video.sort_title)[:500]
    words = [video.title, video.version, video.album or "", *video.featured_artists]
    video.search_text = fold(" ".join(w for w in words if w))[:1500]


async def create_video(session: AsyncSession, data: VideoCreate) -> VideoPublic:
    await _existing_artist(session, data.artist_id)
    fields = data.model_dump(mode="json", exclude={"genres"})
    fields["release_date"] = data.release_date
    video = Video(**fields)
    derive_fields(video)
    session.add(video)
    await session.flush()
    if data.genres:
        await genres.set_for_video(session, video.id, data.genres, source="user")
    return await read_video(session, video.id)


async def update_video(session: AsyncSession, video_id: int, data: VideoUpdate) -> VideoPublic:
    video = await get_video(session, video_id)
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True)
    for required in ("title", "artist_id", "kind", "status", "version", "monitored"):
        if required in changes and changes[required] is None:
            raise InvalidInput(f"{required} cannot be null", loc=("body", required))
    if "release_date" in changes:
        changes["release_date"] = data.release_date
    if "sources" in changes:
        # exclude_unset above would drop a source's defaulted fields (its kind) too.
        changes["sources"] = [source.model_dump(mode="json") for source in data.sources]
    explicit_locks = changes.pop("locked_fields", None)
    new_genres = changes.pop("genres", None)
    if "artist_id" in changes:
        await _existing_artist(session, changes["artist_id"])
    for key, value in changes.items():
        setattr(video, key, value)
    derive_fields(video)
    edited = set(changes) | ({"genres"} if new_genres is not None else set())
    video.locked_fields = locked_after_edit(video.locked_fields, edited, explicit_locks, LOCKABLE)
    await session.flush()
    if new_genres is not None:
        await genres.set_for_video(session, video.id, new_genres, source="user")
    return await read_video(session, video.id)


async def delete_video(session: AsyncSession, video_id: int) -> None:
    video = await get_video(session, video_id)
    remember_removal(session, video)
    await session.delete(video)
    await session.flush()


async def list_artist_videos(
    session: AsyncSession, artist_id: int, flt: VideoFilter, sort: str | None, page: PageParams
) -> Page[VideoListItem]:
    await get_artist(session, artist_id)
    return await list_videos(session, flt, sort, page)


async def artist_year_counts(session: AsyncSession, artist_id: int) -> dict[int | None, int]:
    """The artist's videos counted per year, for the artist page's year groups."""
    return await repository.year_counts(session, artist_id)


async def list_artist_videos_json(
    db: Scalars, dialect: str, artist_id: int, flt: VideoFilter, sort: str | None, page: PageParams, cursor: str | None
) -> str:
    if not await artist_exists(db, artist_id):
        raise ArtistNotFound(artist_id)
    return await list_videos_by_cursor_json(db, dialect, flt, sort, page, cursor)
