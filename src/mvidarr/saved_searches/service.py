"""Saved searches: a user's named video filters, stored as the video list and the bulk actions take
them (`VideoSelection`), so a saved search can later drive a smart playlist unchanged."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import CONTENT, Conflict, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams, sort_clauses, sort_fields
from mvidarr.kit.queries import Scalars
from mvidarr.library.bulk_schemas import VideoSelection
from mvidarr.models import SavedSearch, Video
from mvidarr.saved_searches import repository
from mvidarr.saved_searches.schemas import SavedSearchCreate, SavedSearchPublic, SavedSearchUpdate
from mvidarr.videos import repository as videos_repository
from mvidarr.videos import service as videos


class SavedSearchNotFound(NotFound):
    def __init__(self, search_id: int) -> None:
        super().__init__(f"saved search {search_id} does not exist")


def _check_sort(sort: str | None) -> None:
    try:
        sort_clauses(sort, videos_repository.SORTABLE, default=videos.LIST_DEFAULT_SORT, tiebreak=Video.id)
    except InvalidInput as exc:
        raise InvalidInput(str(exc.detail or exc), loc=("body", "sort"), type_=CONTENT) from None


def page_url(selection: VideoSelection, sort: str | None) -> str:
    """The videos page with these filters and this sort."""
    params = selection.model_dump(mode="json", exclude_defaults=True)
    if sort:
        params["sort"] = sort
    for key, value in list(params.items()):
        if isinstance(value, bool):
            params[key] = "true" if value else "false"
    query = urlencode(params, doseq=True)
    return f"/videos?{query}" if query else "/videos"


def to_public(saved: SavedSearch) -> SavedSearchPublic:
    selection = VideoSelection.model_validate(saved.filter)
    return SavedSearchPublic(
        id=saved.id, name=saved.name, filter=selection, sort=saved.sort, url=page_url(selection, saved.sort),
        created_at=saved.created_at, updated_at=saved.updated_at,
    )  # fmt: skip


async def _own(session: AsyncSession, user_id: int, search_id: int) -> SavedSearch:
    saved = await repository.get_own(session, user_id, search_id)
    if saved is None:
        raise SavedSearchNotFound(search_id)
    return saved


async def _check_name(session: AsyncSession, user_id: int, name: str, *, other_than: int | None = None) -> None:
    if await repository.name_taken(session, user_id, name, other_than=other_than):
        raise Conflict(f"you already have a saved search named {name!r}")


async def list_saved(session: AsyncSession, user_id: int, page: PageParams) -> Page[SavedSearchPublic]:
    rows, total = await repository.list_own(session, user_id, page)
    return Page(items=[to_public(r) for r in rows], total=total, page=page.page, page_size=page.page_size)


async def get_saved(session: AsyncSession, user_id: int, search_id: int) -> SavedSearchPublic:
    return to_public(await _own(session, user_id, search_id))


async def create_saved(session: AsyncSession, user_id: int, data: SavedSearchCreate) -> SavedSearchPublic:
    _check_sort(data.sort)
    await _check_name(session, user_id, data.name)
    saved = SavedSearch(
        user_id=user_id, name=data.name, filter=data.filter.model_dump(mode="json", exclude_defaults=True),
        sort=data.sort,
    )  # fmt: skip
    session.add(saved)
    await session.flush()
    return to_public(saved)


async def update_saved(
    session: AsyncSession, user_id: int, search_id: int, data: SavedSearchUpdate
) -> SavedSearchPublic:
    saved = await _own(session, user_id, search_id)
    sent = data.model_fields_set
    if "name" in sent:
        if data.name is None:
            raise InvalidInput("name cannot be null", loc=("body", "name"))
        await _check_name(session, user_id, data.name, other_than=saved.id)
        saved.name = data.name
    if "filter" in sent:
        saved.filter = (data.filter or VideoSelection()).model_dump(mode="json", exclude_defaults=True)
    if "sort" in sent:
        _check_sort(data.sort)
        saved.sort = data.sort
    await session.flush()
    return to_public(saved)


async def delete_saved(session: AsyncSession, user_id: int, search_id: int) -> None:
    await session.delete(await _own(session, user_id, search_id))
    await session.flush()


async def videos_json(session: AsyncSession, db: Scalars, user_id: int, search_id: int, page: PageParams) -> str:
    """The videos the saved search finds now, a page as the video list gives it."""
    saved = await _own(session, user_id, search_id)
    selection = VideoSelection.model_validate(saved.filter)
    fields = partial(sort_fields, saved.sort, videos_repository.SORTABLE, default=videos.LIST_DEFAULT_SORT)
    return await videos_repository.list_page_json(
        db, selection.to_filter(), saved.sort or videos.LIST_DEFAULT_SORT, fields, page
    )
