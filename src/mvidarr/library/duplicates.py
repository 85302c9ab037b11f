"""Duplicates: videos that are the same (same artist, same normalised title and version; or current
files with the same partial content hash), and merging a group into one video.

A merge keeps the best file (highest quality score, then largest; or the user's pick), moves the
other files to the trash, folds the other videos' metadata into the kept one without touching its
locked fields, re-points what referenced the removed videos, and deletes them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.errors import CONFLICT, REFERENCE, InvalidInput
from mvidarr.genres import repository as genres
from mvidarr.genres.columns import split as split_genres
from mvidarr.genres.columns import video_genres
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.kit.text import fold
from mvidarr.library.duplicate_schemas import DuplicateGroup, DuplicateMember, MergeRequest, MergeResult
from mvidarr.library.titles import parse_title
from mvidarr.models import Artist, MediaFile, TrashEntry, Video, VideoStatus
from mvidarr.trash import service as trash
from mvidarr.videos import service as videos
from mvidarr.videos.schemas import LOCKABLE as VIDEO_LOCKABLE

_NOT_WORD = re.compile(r"[^\w]+")
STREAM_BATCH = 2000
# Metadata a merge may fill in the kept video; identity (artist) and genres are handled apart.
_MERGED_FIELDS = sorted(VIDEO_LOCKABLE - {"artist_id", "genres"})


def title_key(title: str, version: str) -> tuple[str, str]:
    """Normalised (title, version): decorations like '(Official Video)' and punctuation ignored."""
    parsed = parse_title(title)
    clean = _NOT_WORD.sub(" ", fold(parsed.title)).strip() or fold(title)
    return clean, _NOT_WORD.sub(" ", fold(version or parsed.version)).strip()


async def _title_groups(session: AsyncSession) -> list[list[int]]:
    groups: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    stmt = select(Video.id, Video.artist_id, Video.title, Video.version).order_by(Video.id)
    result = await session.stream(stmt.execution_options(yield_per=STREAM_BATCH))
    async for partition in result.partitions():
        for video_id, artist_id, title, version in partition:
            groups[(artist_id, *title_key(title, version))].append(video_id)
    return [ids for ids in groups.values() if len(ids) > 1]


async def _content_groups(session: AsyncSession) -> list[list[int]]:
    current = (
        MediaFile.is_current.is_(True),
        MediaFile.video_id.is_not(None),
        MediaFile.missing_at.is_(None),
        MediaFile.partial_hash.is_not(None),
    )
    shared = (
        select(MediaFile.partial_hash)
        .where(*current)
        .group_by(MediaFile.partial_hash)
        .having(func.count(func.distinct(MediaFile.video_id)) > 1)
    )
    rows = (
        await session.execute(
            select(MediaFile.partial_hash, MediaFile.video_id)
            .where(*current, MediaFile.partial_hash.in_(shared))
            .order_by(MediaFile.partial_hash, MediaFile.video_id)
        )
    ).all()
    groups: dict[str, list[int]] = defaultdict(list)
    for digest, video_id in rows:
        if digest is not None and video_id is not None:
            groups[digest].append(video_id)
    return list(groups.values())


async def _members(session: AsyncSession, ids: Sequence[int]) -> dict[int, DuplicateMember]:
    rows = (
        await session.execute(
            select(
                Video.id,
                Video.title,
                Video.version,
                Video.artist_id,
                Artist.name,
                MediaFile.id,
                MediaFile.quality_label,
                MediaFile.quality_score,
                MediaFile.size,
                MediaFile.relative_path,
            )
            .join(Artist, Artist.id == Video.artist_id)
            .outerjoin(MediaFile, (MediaFile.video_id == Video.id) & MediaFile.is_current.is_(True))
            .where(Video.id.in_(list(ids)))
        )
    ).all()
    return {
        row[0]: DuplicateMember(
            video_id=row[0],
            title=row[1],
            version=row[2],
            artist_id=row[3],
            artist_name=row[4],
            file_id=row[5],
            quality_label=row[6],
            quality_score=row[7],
            size=row[8],
            relative_path=row[9],
        )
        for row in rows
    }


def _best(members: Sequence[DuplicateMember]) -> DuplicateMember | None:
    with_file = [m for m in members if m.file_id is not None]
    if not with_file:
        return None
    return max(with_file, key=lambda m: (m.quality_score or -1.0, m.size or 0, -m.video_id))


async def list_groups(session: AsyncSession, page: PageParams) -> Page[DuplicateGroup]:
    """Groups of duplicate videos, title matches first, each with the file a merge would keep."""
    found: list[tuple[Literal["title", "content"], list[int]]] = [
        ("title", ids) for ids in await _title_groups(session)
    ]
    seen = {tuple(sorted(ids)) for _, ids in found}
    for ids in await _content_groups(session):
        if tuple(sorted(ids)) not in seen:
            found.append(("content", ids))
    window = found[page.offset : page.offset + page.page_size]
    members = await _members(session, [i for _, ids in window for i in ids]) if window else {}
    items = []
    for reason, ids in window:
        group = [members[i] for i in sorted(ids) if i in members]
        best = _best(group)
        items.append(
            DuplicateGroup(
                reason=reason,
                videos=group,
                suggested_video_id=best.video_id if best else group[0].video_id,
                suggested_file_id=best.file_id if best else None,
            )
        )
    return Page(items=items, total=len(found), page=page.page, page_size=page.page_size)


@dataclass(frozen=True, slots=True)
class _Plan:
    keeper: Video
    others: list[Video]
    keep_file_id: int | None
    trash_file_ids: list[int]


async def _plan(session: AsyncSession, body: MergeRequest) -> _Plan:
    ids = list(dict.fromkeys(body.video_ids))
    if len(ids) < 2:
        raise InvalidInput("a merge needs at least two different videos", loc=("body", "video_ids"), type_=CONFLICT)
    loaded = {v.id: v for v in (await session.execute(select(Video).where(Video.id.in_(ids)))).scalars()}
    missing = [i for i in ids if i not in loaded]
    if missing:
        raise InvalidInput(f"videos {missing} do not exist", loc=("body", "video_ids"), type_=REFERENCE)
    members = list((await _members(session, ids)).values())
    current = {m.file_id: m for m in members if m.file_id is not None}
    if body.keep_file_id is not None:
        if body.keep_file_id not in current:
            raise InvalidInput(
                f"file {body.keep_file_id} is not the current file of one of these videos",
                loc=("body", "keep_file_id"),
                type_=REFERENCE,
            )
        best: DuplicateMember | None = current[body.keep_file_id]
    else:
        best = _best(members)
    if body.keep_video_id is not None:
        if body.keep_video_id not in loaded:
            raise InvalidInput("keep_video_id must be one of video_ids", loc=("body", "keep_video_id"), type_=CONFLICT)
        keeper_id = body.keep_video_id
    else:
        keeper_id = best.video_id if best is not None else min(ids)
    keep_file_id = best.file_id if best is not None else None
    return _Plan(
        keeper=loaded[keeper_id],
        others=[loaded[i] for i in ids if i != keeper_id],
        keep_file_id=keep_file_id,
        trash_file_ids=[f for f in current if f != keep_file_id],
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _merge_metadata(keeper: Video, others: Sequence[Video]) -> list[str]:
    """Fill the keeper from the others; a field locked in the keeper never changes, a field a user
    locked in another video wins (and stays locked). Returns the fields taken."""
    locked = set(keeper.locked_fields)
    taken: list[str] = []
    for name in _MERGED_FIELDS:
        if name in locked:
            continue
        donor = next((o for o in others if name in o.locked_fields), None)
        if donor is not None:
            setattr(keeper, name, getattr(donor, name))
            locked.add(name)
            taken.append(name)
            continue
        if _empty(getattr(keeper, name)):
            value = next((getattr(o, name) for o in others if not _empty(getattr(o, name))), None)
            if value is not None:
                setattr(keeper, name, value)
                taken.append(name)
    sources = {source.get("url"): source for source in keeper.sources}
    for other in others:
        for source in other.sources:
            sources.setdefault(source.get("url"), source)
    keeper.sources = list(sources.values())
    keeper.locked_fields = sorted(locked | {f for o in others for f in o.locked_fields if f == "genres"})
    videos.derive_fields(keeper)
    return taken


async def merge(session: AsyncSession, body: MergeRequest, user_id: int | None) -> MergeResult:
    plan = await _plan(session, body)
    keeper, others = plan.keeper, plan.others
    other_ids = [o.id for o in others]
    names = (await session.execute(select(video_genres(Video.id)).where(Video.id.in_([keeper.id, *other_ids])))).all()
    all_genres = list(dict.fromkeys(g for (value,) in names for g in split_genres(value)))
    # The trash journal commits here, before anything is changed: a failed move leaves all as it was.
    entries = await trash.trash_files(session, file_ids=plan.trash_file_ids, reason="duplicate.merged", user_id=user_id)
    taken = _merge_metadata(keeper, others)
    if plan.keep_file_id is not None:
        await session.execute(
            update(MediaFile)
            .where(MediaFile.id == plan.keep_file_id)
            .values(video_id=keeper.id, is_current=True)
            .execution_options(synchronize_session=False)
        )
    # Older files of the removed videos stay known, as the kept video's non-current files.
    await session.execute(
        update(MediaFile)
        .where(MediaFile.video_id.in_(other_ids), MediaFile.id != (plan.keep_file_id or 0))
        .values(video_id=keeper.id, is_current=False)
        .execution_options(synchronize_session=False)
    )
    await session.execute(update(TrashEntry).where(TrashEntry.video_id.in_(other_ids)).values(video_id=keeper.id))
    if plan.keep_file_id is not None:
        keeper.status = VideoStatus.DOWNLOADED
    for other in others:
        await session.delete(other)
    await session.flush()
    if all_genres:
        await genres.set_for_video(session, keeper.id, all_genres, source="merge")
    return MergeResult(
        kept_video_id=keeper.id,
        kept_file_id=plan.keep_file_id,
        removed_video_ids=other_ids,
        trashed_file_ids=plan.trash_file_ids,
        trash_entry_ids=[e.id for e in entries],
        merged_fields=taken,
        video=await videos.read_video(session, keeper.id),
    )
