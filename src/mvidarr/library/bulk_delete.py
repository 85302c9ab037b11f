"""Bulk delete of videos: a selection (ids, or the video list's filters), their files kept as unmatched,
moved to the trash, or (admins) deleted for good.

Up to `INLINE_LIMIT` videos go inside the request, as `DELETE /videos/{id}` does it for one; a larger
selection becomes a `library.bulk_delete` job working in batches of `BATCH`. Each batch moves its files
first (the trash journal commits before anything moves; a file that cannot move undoes the batch) and
then deletes its rows in one transaction, audited. A selection by filter travels to the job as the
filter, up to the newest video when it was asked for, never as a list of 20,000 ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.errors import REFERENCE, InvalidInput
from mvidarr.events.hub import EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import conflict
from mvidarr.library.bulk_schemas import BulkDeleteResult, VideoBulkDelete, VideoSelection
from mvidarr.trash import service as trash
from mvidarr.videos import repository as video_repository
from mvidarr.videos import service as videos

INLINE_LIMIT = 100
BATCH = 100
BULK_DELETE = "library.bulk_delete"
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BulkDeleteParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id] = Field(default_factory=list, max_length=5000, description="The videos to delete.")
    filter: VideoSelection | None = Field(default=None, description="Or: the videos matching the list's filters.")
    through_id: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        default=None, description="With `filter`: only videos up to this id (those that existed when asked)."
    )
    delete_files: bool = False
    permanent: bool = False

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if bool(self.ids) == (self.filter is not None):
            raise conflict("send either ids or filter")
        return self


async def _delete_batch(
    session: AsyncSession, ids: Sequence[int], *, delete_files: bool, permanent: bool, user_id: int | None
) -> dict[str, int]:
    """Files first (this commits the trash journal), then the rows, in the caller's transaction."""
    files: dict[str, int] = {}
    if delete_files or permanent:
        files = await trash.remove_video_files(
            session, ids, permanent=permanent, reason="video.deleted", user_id=user_id
        )
    for video_id in ids:
        await videos.delete_video(session, video_id)
    return files


def _file_count(files: dict[str, int]) -> int:
    return files.get("trashed_files", 0) + files.get("deleted_files", 0)


async def start(
    session: AsyncSession, events: EventHub, clock: Clock, actor: Principal, ip: str | None, body: VideoBulkDelete
) -> BulkDeleteResult:
    """Delete the selection now (up to 100 videos) or queue a job for it."""
    trash.check_permanent(actor, body.permanent)
    through: int | None = None
    if body.filter is not None:
        flt = body.filter.to_filter()
        through = await video_repository.newest_id(session)
        matched = await video_repository.count_matching(session, flt, through_id=through)
        ids = await video_repository.matching_ids(session, flt, through_id=through, limit=INLINE_LIMIT)
    else:
        assert body.ids is not None
        ids = await video_repository.existing_ids(session, body.ids)
        matched = len(ids)
    if matched == 0:
        raise InvalidInput(
            "no video matches the selection", loc=("body", "filter" if body.filter else "ids"), type_=REFERENCE
        )
    if matched > INLINE_LIMIT:
        params = BulkDeleteParams(
            ids=[] if body.filter is not None else ids,
            filter=body.filter,
            through_id=through,
            delete_files=body.delete_files,
            permanent=body.permanent,
        )
        job, _created = await jobs.enqueue(session, events, BULK_DELETE, params, created_by=actor.user_id, clock=clock)
        return BulkDeleteResult(matched=matched, deleted=None, files=None, job=jobs.public(job))
    files = await _delete_batch(
        session, ids, delete_files=body.delete_files, permanent=body.permanent, user_id=actor.user_id
    )
    audit.record(
        session, "videos.bulk_deleted", actor=actor, target_type="video", ip=ip,
        details={"count": len(ids), "ids": ids[:100], "permanent": body.permanent, **files},
    )  # fmt: skip
    return BulkDeleteResult(matched=matched, deleted=len(ids), files=_file_count(files), job=None)


@job_type(
    BULK_DELETE,
    BulkDeleteParams,
    description="Deletes many videos in batches of 100, their files kept, moved to the trash or deleted for good; "
    "each batch all-or-nothing and audited.",
    priority=1,
    max_attempts=1,
    timeout_s=6 * 3600,
    # Admins only through POST /jobs: the params may delete files for good. Managers start it
    # through POST /videos/delete, which checks `permanent` itself.
    required_role=Role.ADMIN,
)
async def run_bulk_delete(ctx: JobContext, params: BulkDeleteParams) -> JobResult:
    flt = params.filter.to_filter() if params.filter is not None else None
    async with ctx.reader() as session:
        if flt is not None:
            total = await video_repository.count_matching(session, flt, through_id=params.through_id)
        else:
            total = len(params.ids)
    deleted = files = position = after = 0
    while True:
        ctx.check_abort()
        async with ctx.session() as session:
            if flt is not None:
                batch = await video_repository.matching_ids(
                    session, flt, after_id=after, through_id=params.through_id, limit=BATCH
                )
                if not batch:
                    break
                after = batch[-1]
            else:
                chunk = params.ids[position : position + BATCH]
                if not chunk:
                    break
                position += len(chunk)
                batch = await video_repository.existing_ids(session, chunk)  # some may have been deleted since
            if batch:
                outcome = await _delete_batch(
                    session, batch, delete_files=params.delete_files, permanent=params.permanent,
                    user_id=ctx.created_by,
                )  # fmt: skip
                audit.record(
                    session, "videos.bulk_deleted", user_id=ctx.created_by, target_type="video",
                    details={"count": len(batch), "job_id": ctx.job_id, "ids": batch[:100],
                             "permanent": params.permanent, **outcome},
                )  # fmt: skip
                await session.commit()
                files += _file_count(outcome)
        deleted += len(batch)
        await ctx.progress(min(1.0, deleted / total) if total else 1.0, f"deleted {deleted} of {total} videos")
    return {"deleted": deleted, "files": files}
