"""The blocklist: sources never downloaded again (for one video, or for all)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.blocklist.schemas import BlocklistCreate, BlocklistEntryPublic
from mvidarr.downloads.ranking import source_key
from mvidarr.errors import REFERENCE, Conflict, InvalidInput, NotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.models import Artist, BlocklistEntry, Download, Video


class BlocklistEntryNotFound(NotFound):
    def __init__(self, entry_id: int) -> None:
        super().__init__(f"blocklist entry {entry_id} does not exist")


async def add(session: AsyncSession, body: BlocklistCreate, *, user_id: int | None) -> BlocklistEntryPublic:
    title: str | None = None
    artist: str | None = None
    video_id = body.video_id
    if body.download_id is not None:
        download = await session.get(Download, body.download_id)
        if download is None or not download.source_url:
            raise InvalidInput(
                f"download {body.download_id} does not exist or has no source",
                loc=("body", "download_id"),
                type_=REFERENCE,
            )
        url = download.source_url
        video_id = video_id or download.video_id
        title, artist = download.source_title, download.source_channel
    else:
        url = str(body.source_url)
    if video_id is not None:
        row = (
            await session.execute(
                select(Video.title, Artist.name).join(Artist, Artist.id == Video.artist_id).where(Video.id == video_id)
            )
        ).first()
        if row is None:
            raise InvalidInput(f"video {video_id} does not exist", loc=("body", "video_id"), type_=REFERENCE)
        title, artist = title or row[0], artist or row[1]
    key = source_key(url)
    scope = BlocklistEntry.video_id.is_(None) if video_id is None else BlocklistEntry.video_id == video_id
    taken = await session.scalar(select(BlocklistEntry.id).where(BlocklistEntry.source_key == key, scope).limit(1))
    if taken is not None:
        raise Conflict(f"{url} is already blocklisted (entry {taken})")
    entry = BlocklistEntry(
        video_id=video_id,
        source_key=key,
        source_url=url,
        artist_seen=artist[:500] if artist else None,
        title_seen=title[:500] if title else None,
        reason=body.reason,
        created_by=user_id,
    )
    session.add(entry)
    await session.flush()
    return BlocklistEntryPublic.model_validate(entry)


async def list_entries(session: AsyncSession, page: PageParams, *, video_id: int | None) -> Page[BlocklistEntryPublic]:
    where = [] if video_id is None else [or_(BlocklistEntry.video_id == video_id, BlocklistEntry.video_id.is_(None))]
    total = await session.scalar(select(func.count()).select_from(BlocklistEntry).where(*where))
    rows = (
        await session.execute(
            select(BlocklistEntry)
            .where(*where)
            .order_by(BlocklistEntry.created_at.desc(), BlocklistEntry.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        )
    ).scalars()
    items = [BlocklistEntryPublic.model_validate(r) for r in rows]
    return Page(items=items, total=int(total or 0), page=page.page, page_size=page.page_size)


async def remove(session: AsyncSession, entry_id: int) -> None:
    entry = await session.get(BlocklistEntry, entry_id)
    if entry is None:
        raise BlocklistEntryNotFound(entry_id)
    await session.delete(entry)
    await session.flush()
