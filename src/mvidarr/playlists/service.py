"""Playlists: a user's manual lists (entries with positions and notes) and smart ones (a saved
video filter). Owners change them; others read the public ones; an admin reads all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.guard import Principal
from mvidarr.db import utcnow
from mvidarr.errors import CONFLICT, Conflict, Forbidden, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams, sort_clauses
from mvidarr.models import Playlist, PlaylistItem, Role, User
from mvidarr.playlists import repository
from mvidarr.playlists.schemas import (
    MAX_FILTER_ADD,
    ItemOrder,
    ItemsAdd,
    ItemsAdded,
    ItemUpdate,
    Owner,
    PlaylistCreate,
    PlaylistEntry,
    PlaylistPublic,
    PlaylistUpdate,
    SmartRule,
)
from mvidarr.videos import repository as videos

LIST_SORTABLE = {"name": Playlist.name, "created_at": Playlist.created_at, "updated_at": Playlist.updated_at}
MAX_ENTRIES = 50_000  # a playlist's entries read at once (export, MvTV queue)


class PlaylistNotFound(NotFound):
    def __init__(self, playlist_id: int) -> None:
        super().__init__(f"playlist {playlist_id} does not exist")


class ItemNotFound(NotFound):
    def __init__(self, playlist_id: int, item_id: int) -> None:
        super().__init__(f"playlist {playlist_id} has no entry {item_id}")


class SmartPlaylistHasNoItems(Conflict):
    def __init__(self, playlist_id: int) -> None:
        super().__init__(f"playlist {playlist_id} is smart: its rule chooses its videos, so they cannot be edited")


def _rule(playlist: Playlist) -> SmartRule | None:
    return None if playlist.rule is None else SmartRule.model_validate(playlist.rule)


def _public(playlist: Playlist, owner: str, count: int | None, viewer: Principal) -> PlaylistPublic:
    return PlaylistPublic(
        id=playlist.id,
        name=playlist.name,
        description=playlist.description,
        public=playlist.public,
        smart=playlist.rule is not None,
        rule=_rule(playlist),
        owner=Owner(id=playlist.owner_id, username=owner),
        item_count=count,
        editable=playlist.owner_id == viewer.user_id,
        created_at=playlist.created_at,
        updated_at=playlist.updated_at,
    )


def _sees_all(viewer: Principal) -> bool:
    return viewer.role is Role.ADMIN


async def readable(session: AsyncSession, viewer: Principal, playlist_id: int) -> Playlist:
    """The playlist if the viewer may read it; a 404 otherwise (others' private lists do not exist for them)."""
    playlist = await session.get(Playlist, playlist_id)
    if playlist is None or not (playlist.public or playlist.owner_id == viewer.user_id or _sees_all(viewer)):
        raise PlaylistNotFound(playlist_id)
    return playlist


async def _owned(session: AsyncSession, viewer: Principal, playlist_id: int) -> Playlist:
    """The playlist, locked for this change, if the viewer owns it (an admin may also change any)."""
    playlist = await readable(session, viewer, playlist_id)
    if playlist.owner_id != viewer.user_id and not _sees_all(viewer):
        raise Forbidden(f"playlist {playlist_id} belongs to another user")
    # Serialises changes to one playlist's positions (SQLite has one writer already).
    await session.execute(select(Playlist.id).where(Playlist.id == playlist_id).with_for_update())
    return playlist


async def _describe(session: AsyncSession, playlist: Playlist, viewer: Principal) -> PlaylistPublic:
    owner = await session.scalar(select(User.username).where(User.id == playlist.owner_id))
    rule = _rule(playlist)
    if rule is None:
        count = await repository.item_count(session, playlist.id)
    else:
        count = await repository.smart_count(session, rule, viewer.user_id)
    return _public(playlist, owner or "", count, viewer)


def _check_rule(rule: SmartRule | None, loc: tuple[str, ...]) -> None:
    if rule is not None and rule.sort is not None:
        try:
            repository.smart_order(rule)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail or "bad sort", loc=(*loc, "sort"), type_="sort_field") from None


async def list_playlists(
    session: AsyncSession,
    viewer: Principal,
    page: PageParams,
    *,
    mine: bool | None,
    smart: bool | None,
    q: str | None,
    sort: str | None,
) -> Page[PlaylistPublic]:
    where: list[Any] = [repository.visible_to(viewer.user_id, everything=_sees_all(viewer))]
    if mine is not None:
        where.append(Playlist.owner_id == viewer.user_id if mine else Playlist.owner_id != viewer.user_id)
    if smart is not None:
        where.append(Playlist.rule.is_not(None) if smart else Playlist.rule.is_(None))
    if q:
        # Names are short and lists of playlists small: a case-insensitive match is enough.
        for word in q.split():
            where.append(Playlist.name.ilike(f"%{word}%"))
    order = sort_clauses(sort, LIST_SORTABLE, default="name", tiebreak=Playlist.id)
    rows, total = await repository.playlist_page(session, where, order, offset=page.offset, limit=page.page_size)
    items = []
    for playlist, owner, count in rows:
        items.append(_public(playlist, owner, None if playlist.rule is not None else int(count or 0), viewer))
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def create_playlist(session: AsyncSession, viewer: Principal, body: PlaylistCreate) -> PlaylistPublic:
    _check_rule(body.rule, ("body", "rule"))
    playlist = Playlist(
        owner_id=viewer.user_id,
        name=body.name,
        description=body.description or None,
        public=body.public,
        rule=None if body.rule is None else body.rule.model_dump(mode="json", exclude_defaults=True),
    )
    session.add(playlist)
    await session.flush()
    return await _describe(session, playlist, viewer)


async def get_playlist(session: AsyncSession, viewer: Principal, playlist_id: int) -> PlaylistPublic:
    return await _describe(session, await readable(session, viewer, playlist_id), viewer)


async def update_playlist(
    session: AsyncSession, viewer: Principal, playlist_id: int, body: PlaylistUpdate
) -> PlaylistPublic:
    playlist = await _owned(session, viewer, playlist_id)
    fields = body.model_fields_set
    if "rule" in fields:
        if playlist.rule is None:
            raise Conflict(f"playlist {playlist_id} is manual; create a smart playlist for a rule")
        _check_rule(body.rule, ("body", "rule"))
        assert body.rule is not None
        playlist.rule = body.rule.model_dump(mode="json", exclude_defaults=True)
    if "name" in fields and body.name is not None:
        playlist.name = body.name
    if "description" in fields:
        playlist.description = body.description or None
    if "public" in fields and body.public is not None:
        playlist.public = body.public
    playlist.updated_at = utcnow()
    await session.flush()
    return await _describe(session, playlist, viewer)


async def delete_playlist(session: AsyncSession, viewer: Principal, playlist_id: int) -> None:
    playlist = await _owned(session, viewer, playlist_id)
    await session.delete(playlist)
    await session.flush()


async def entries(session: AsyncSession, viewer: Principal, playlist_id: int, page: PageParams) -> Page[PlaylistEntry]:
    playlist = await readable(session, viewer, playlist_id)
    rule = _rule(playlist)
    if rule is None:
        rows = await repository.item_page(session, playlist.id, offset=page.offset, limit=page.page_size)
        total = await repository.item_count(session, playlist.id)
        items = [
            PlaylistEntry(
                item_id=row.item_id, position=row.position, note=row.note, added_at=row.added_at,
                video=repository.video_of(row),
            )
            for row in rows
        ]  # fmt: skip
    else:
        rows = await repository.smart_page(session, rule, viewer.user_id, offset=page.offset, limit=page.page_size)
        total = await repository.smart_count(session, rule, viewer.user_id)
        items = [
            PlaylistEntry(item_id=None, position=page.offset + n, note=None, added_at=None,
                          video=repository.video_of(row))
            for n, row in enumerate(rows)
        ]  # fmt: skip
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def all_entries(session: AsyncSession, viewer: Principal, playlist: Playlist) -> list[PlaylistEntry]:
    """Every entry (at most MAX_ENTRIES), for exports and the continuous player."""
    found: list[PlaylistEntry] = []
    size = 1000
    while len(found) < MAX_ENTRIES:
        page = await entries(session, viewer, playlist.id, PageParams(page=len(found) // size + 1, page_size=size))
        found.extend(page.items)
        if len(page.items) < size:
            break
    return found[:MAX_ENTRIES]


def _manual(playlist: Playlist) -> None:
    if playlist.rule is not None:
        raise SmartPlaylistHasNoItems(playlist.id)


async def add_items(session: AsyncSession, viewer: Principal, playlist_id: int, body: ItemsAdd) -> ItemsAdded:
    playlist = await _owned(session, viewer, playlist_id)
    _manual(playlist)
    missing: list[int] = []
    if body.video_ids is not None:
        wanted = list(dict.fromkeys(body.video_ids))
        existing = await repository.existing_video_ids(session, wanted)
        missing = [i for i in wanted if i not in existing]
        wanted = [i for i in wanted if i in existing]
    else:
        assert body.filter is not None
        flt = body.filter.to_filter()
        if await videos.count_matching(session, flt) > MAX_FILTER_ADD:
            raise InvalidInput(
                f"the filter matches more than {MAX_FILTER_ADD:,} videos; narrow it, or use a smart playlist",
                loc=("body", "filter"),
            )
        wanted = await videos.matching_ids(session, flt, limit=MAX_FILTER_ADD)
    present = await repository.present_video_ids(session, playlist.id, wanted)
    new = [i for i in wanted if i not in present]
    count = await repository.item_count(session, playlist.id)
    at = count if body.position is None else min(body.position, count)
    if new:
        if at < count:
            await repository.shift(session, playlist.id, start=at, end=None, by=len(new))
        await repository.insert_items(session, playlist.id, new, first_position=at, note=body.note or None)
        playlist.updated_at = utcnow()
    await session.flush()
    return ItemsAdded(added=len(new), already_present=len(wanted) - len(new), missing=missing,
                      item_count=count + len(new))  # fmt: skip


async def _item(session: AsyncSession, playlist_id: int, item_id: int) -> PlaylistItem:
    item = await session.get(PlaylistItem, item_id)
    if item is None or item.playlist_id != playlist_id:
        raise ItemNotFound(playlist_id, item_id)
    return item


async def update_item(
    session: AsyncSession, viewer: Principal, playlist_id: int, item_id: int, body: ItemUpdate
) -> PlaylistEntry:
    playlist = await _owned(session, viewer, playlist_id)
    _manual(playlist)
    item = await _item(session, playlist.id, item_id)
    if "note" in body.model_fields_set:
        item.note = body.note or None
    if body.position is not None:
        last = await repository.item_count(session, playlist.id) - 1
        target, current = min(body.position, last), item.position
        if target > current:
            await repository.shift(session, playlist.id, start=current + 1, end=target, by=-1)
        elif target < current:
            await repository.shift(session, playlist.id, start=target, end=current - 1, by=1)
        item.position = target
    playlist.updated_at = utcnow()
    await session.flush()
    rows = await repository.item_page(session, playlist.id, offset=item.position, limit=1)
    row = rows[0]
    return PlaylistEntry(item_id=row.item_id, position=row.position, note=row.note, added_at=row.added_at,
                         video=repository.video_of(row))  # fmt: skip


async def remove_item(session: AsyncSession, viewer: Principal, playlist_id: int, item_id: int) -> None:
    playlist = await _owned(session, viewer, playlist_id)
    _manual(playlist)
    item = await _item(session, playlist.id, item_id)
    position = item.position
    await repository.delete_item(session, item.id)
    await repository.shift(session, playlist.id, start=position + 1, end=None, by=-1)
    playlist.updated_at = utcnow()
    await session.flush()


async def reorder(session: AsyncSession, viewer: Principal, playlist_id: int, body: ItemOrder) -> Page[PlaylistEntry]:
    playlist = await _owned(session, viewer, playlist_id)
    _manual(playlist)
    current = await repository.item_ids_in_order(session, playlist.id)
    if sorted(body.item_ids) != sorted(current):
        raise InvalidInput(
            "item_ids must list every entry of the playlist exactly once", loc=("body", "item_ids"), type_=CONFLICT
        )
    await repository.set_positions(session, playlist.id, body.item_ids)
    playlist.updated_at = utcnow()
    await session.flush()
    return await entries(session, viewer, playlist.id, PageParams(page=1, page_size=min(len(current), 500)))


async def video_ids(session: AsyncSession, viewer: Principal, playlist_id: int) -> list[int]:
    """The playlist's videos in order (at most MAX_ENTRIES)."""
    playlist = await readable(session, viewer, playlist_id)
    rule = _rule(playlist)
    if rule is None:
        return (await repository.item_video_ids(session, playlist.id))[:MAX_ENTRIES]
    return await repository.smart_ids(session, rule, viewer.user_id, MAX_ENTRIES)


async def rule_video_ids(session: AsyncSession, viewer: Principal, rule: SmartRule) -> list[int]:
    """The videos a smart rule matches now for the viewer, in its order (at most MAX_ENTRIES)."""
    _check_rule(rule, ("body",))
    return await repository.smart_ids(session, rule, viewer.user_id, MAX_ENTRIES)
