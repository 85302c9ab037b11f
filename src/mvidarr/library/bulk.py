"""Bulk edit of videos and artists: a selection (ids, or the list filters) and the fields to set.

Up to `INLINE_LIMIT` rows change inside the request; a larger selection becomes a
`library.bulk_edit` job working in batches of `BATCH` rows. Each batch is all-or-nothing (one
transaction) and audited. Edited lockable fields are locked, as a single edit locks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository as artist_repository
from mvidarr.artists.repository import ArtistFilter
from mvidarr.artists.schemas import LOCKABLE as ARTIST_LOCKABLE
from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.errors import CONFLICT, REFERENCE, InvalidInput
from mvidarr.events.hub import EventHub
from mvidarr.genres import repository as genres
from mvidarr.genres.repository import genre_key
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.kit.params import MAX_ID
from mvidarr.library.bulk_schemas import ArtistBulkEdit, BulkEditResult, VideoBulkEdit, VideoSelection
from mvidarr.models import Artist, ArtistGenre, Genre, QualityProfile, Video, VideoGenre
from mvidarr.videos import repository as video_repository
from mvidarr.videos.schemas import LOCKABLE as VIDEO_LOCKABLE

INLINE_LIMIT = 500
BATCH = 500
BULK_EDIT = "library.bulk_edit"
Target = Literal["video", "artist"]


class BulkEditParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Target
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=1_000_000)
    # A video selection by filter travels as the filter, not as its ids (20,000 ids outgrow a job's
    # params): the job walks the matching videos in id order, up to the newest when it was asked for.
    filter: VideoSelection | None = Field(default=None, description="Videos matching the list's filters.")
    through_id: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        default=None, description="With `filter`: only videos up to this id (those that existed when asked)."
    )
    changes: dict[str, Any]

    @model_validator(mode="after")
    def _filter_is_for_videos(self) -> Self:
        if self.filter is not None and (self.target != "video" or self.ids):
            raise ValueError("a filter selects videos, instead of ids")
        return self


def _check_locks(changes: dict[str, Any], lockable: frozenset[str]) -> None:
    for key in ("lock_fields", "unlock_fields"):
        unknown = set(changes.get(key) or ()) - lockable
        if unknown:
            raise InvalidInput(
                f"cannot lock {sorted(unknown)}; lockable fields: {sorted(lockable)}", loc=("body", "set", key)
            )


async def _existing(session: AsyncSession, model: type[Video] | type[Artist], ids: Sequence[int]) -> list[int]:
    """The given ids that exist, in the order given, each once."""
    found = set((await session.execute(select(model.id).where(model.id.in_(list(ids))))).scalars())
    return [i for i in dict.fromkeys(ids) if i in found]


async def _artist_ids(session: AsyncSession, body: ArtistBulkEdit) -> list[int]:
    if body.ids is not None:
        return await _existing(session, Artist, body.ids)
    assert body.filter is not None
    flt: ArtistFilter = body.filter.to_filter()
    stmt = artist_repository._where(select(Artist.id), flt)
    return list((await session.execute(stmt.order_by(Artist.id))).scalars())


async def start(
    session: AsyncSession,
    events: EventHub,
    clock: Clock,
    actor: Principal,
    ip: str | None,
    target: Target,
    body: VideoBulkEdit | ArtistBulkEdit,
) -> BulkEditResult:
    """Apply the edit now (small selections) or queue a job for it (large ones)."""
    changes = body.set.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("set at least one field to change", loc=("body", "set"), type_=CONFLICT)
    _check_locks(changes, VIDEO_LOCKABLE if target == "video" else ARTIST_LOCKABLE)
    profile_id = changes.get("quality_profile_id") if target == "artist" else None
    if profile_id is not None and await session.get(QualityProfile, profile_id) is None:
        raise InvalidInput("quality profile does not exist", loc=("body", "set", "quality_profile_id"), type_=REFERENCE)
    if isinstance(body, VideoBulkEdit) and body.filter is not None:
        flt = body.filter.to_filter()
        through = await video_repository.newest_id(session)
        matched = await video_repository.count_matching(session, flt, through_id=through)
        if matched > INLINE_LIMIT:
            by_filter = BulkEditParams(target=target, filter=body.filter, through_id=through, changes=changes)
            job, _created = await jobs.enqueue(
                session, events, BULK_EDIT, by_filter, created_by=actor.user_id, clock=clock
            )
            return BulkEditResult(matched=matched, updated=None, job=jobs.public(job))
        ids = await video_repository.matching_ids(session, flt, through_id=through, limit=INLINE_LIMIT)
    elif isinstance(body, VideoBulkEdit):
        assert body.ids is not None
        ids = await _existing(session, Video, body.ids)
    else:
        ids = await _artist_ids(session, body)
    if len(ids) <= INLINE_LIMIT:
        await apply_batch(session, target, ids, changes)
        audit.record(
            session, f"{target}s.bulk_edited", actor=actor, target_type=target, ip=ip,
            details={"count": len(ids), "ids": ids[:100], "changes": changes},
        )  # fmt: skip
        return BulkEditResult(matched=len(ids), updated=len(ids), job=None)
    params = BulkEditParams(target=target, ids=ids, changes=changes)
    job, _created = await jobs.enqueue(session, events, BULK_EDIT, params, created_by=actor.user_id, clock=clock)
    return BulkEditResult(matched=len(ids), updated=None, job=jobs.public(job))


async def apply_batch(session: AsyncSession, target: Target, ids: Sequence[int], changes: dict[str, Any]) -> None:
    """One batch, in the caller's transaction."""
    if not ids:
        return
    model: type[Video] | type[Artist] = Video if target == "video" else Artist
    lockable = VIDEO_LOCKABLE if target == "video" else ARTIST_LOCKABLE
    link: type[VideoGenre] | type[ArtistGenre] = VideoGenre if target == "video" else ArtistGenre
    owner = VideoGenre.video_id if target == "video" else ArtistGenre.artist_id
    lock = set(changes.get("lock_fields") or ())
    unlock = set(changes.get("unlock_fields") or ())
    add = changes.get("genres_add") or []
    remove = changes.get("genres_remove") or []
    values = {
        k: v for k, v in changes.items() if k not in ("lock_fields", "unlock_fields", "genres_add", "genres_remove")
    }
    edited = (set(values) | ({"genres"} if add or remove else set())) & lockable
    if values:
        await session.execute(
            update(model).where(model.id.in_(list(ids))).values(**values).execution_options(synchronize_session=False)
        )
    if edited or lock or unlock:
        rows = (await session.execute(select(model.id, model.locked_fields).where(model.id.in_(list(ids))))).all()
        await session.execute(
            update(model),
            [{"id": row[0], "locked_fields": sorted((set(row[1]) | edited | lock) - unlock)} for row in rows],
        )
    if remove:
        keys = [genre_key(name) for name in remove]
        await session.execute(
            delete(link).where(owner.in_(list(ids)), link.genre_id.in_(select(Genre.id).where(Genre.key.in_(keys))))
        )
    if add:
        genre_ids = list((await genres.ensure(session, add)).values())
        pairs = (await session.execute(select(owner, link.genre_id).where(owner.in_(list(ids))))).all()
        existing = {(int(row[0]), int(row[1])) for row in pairs}
        rows_to_add = [(i, g) for i in ids for g in genre_ids if (i, g) not in existing]
        column = "video_id" if target == "video" else "artist_id"
        if rows_to_add:
            await session.execute(insert(link), [{column: i, "genre_id": g, "source": "user"} for i, g in rows_to_add])
    await session.flush()


@job_type(
    BULK_EDIT,
    BulkEditParams,
    description="Applies a bulk edit of videos or artists in batches of 500; each batch all-or-nothing and audited.",
    priority=1,
    max_attempts=1,
    required_role=Role.MANAGER,
)
async def run_bulk_edit(ctx: JobContext, params: BulkEditParams) -> JobResult:
    if params.filter is not None:
        return await _run_by_filter(ctx, params, params.filter)
    done = 0
    for start_at in range(0, len(params.ids), BATCH):
        ctx.check_abort()
        batch = params.ids[start_at : start_at + BATCH]
        async with ctx.session() as session:
            await apply_batch(session, params.target, batch, params.changes)
            audit.record(
                session, f"{params.target}s.bulk_edited", user_id=ctx.created_by, target_type=params.target,
                details={"count": len(batch), "job_id": ctx.job_id, "ids": batch[:100], "changes": params.changes},
            )  # fmt: skip
            await session.commit()
        done += len(batch)
        await ctx.progress(done / len(params.ids), f"updated {done} of {len(params.ids)} {params.target}s")
    return {"updated": done}


async def _run_by_filter(ctx: JobContext, params: BulkEditParams, selection: VideoSelection) -> JobResult:
    """Batches of the videos the filter matches, in id order: an edit that takes a video out of the
    filter (status wanted, set ignored) does not shift the batches still to come."""
    flt = selection.to_filter()
    async with ctx.reader() as session:
        total = await video_repository.count_matching(session, flt, through_id=params.through_id)
    done = after = 0
    while True:
        ctx.check_abort()
        async with ctx.session() as session:
            batch = await video_repository.matching_ids(
                session, flt, after_id=after, through_id=params.through_id, limit=BATCH
            )
            if not batch:
                break
            await apply_batch(session, "video", batch, params.changes)
            audit.record(
                session, "videos.bulk_edited", user_id=ctx.created_by, target_type="video",
                details={"count": len(batch), "job_id": ctx.job_id, "ids": batch[:100], "changes": params.changes},
            )  # fmt: skip
            await session.commit()
        done += len(batch)
        after = batch[-1]
        await ctx.progress(min(1.0, done / total) if total else 1.0, f"updated {done} of {total} videos")
    return {"updated": done}
