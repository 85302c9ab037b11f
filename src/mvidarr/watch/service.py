"""Watch history: plays (started, progress, finished), resume positions, favourites. Each user
sees their own; an admin sees totals."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.auth.guard import Principal
from mvidarr.db import utcnow
from mvidarr.errors import REFERENCE, InvalidInput, NotFound, VideoNotFound
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.playlists.repository import video_of
from mvidarr.watch import repository
from mvidarr.watch.progress import ProgressBuffer
from mvidarr.watch.schemas import (
    ContinueEntry,
    FavouriteEntry,
    HistoryEntry,
    HistoryTotals,
    PlayProgress,
    PlayPublic,
    VideoTotal,
    WatchStatePublic,
)

# A play this close to the end counts as finished, so credits do not leave a resume point.
FINISHED_FRACTION = 0.95
CONTINUE_MIN_S = 5.0


class PlayNotFound(NotFound):
    def __init__(self, play_id: int) -> None:
        super().__init__(f"play {play_id} does not exist")


async def _video(session: AsyncSession, video_id: int, *, in_body: bool = False) -> None:
    if not await repository.video_exists(session, video_id):
        if in_body:
            raise InvalidInput(f"video {video_id} does not exist", loc=("body", "video_id"), type_=REFERENCE)
        raise VideoNotFound(video_id)


async def start(session: AsyncSession, progress: ProgressBuffer, viewer: Principal, video_id: int) -> PlayPublic:
    await progress.settle(viewer.user_id)  # the resume position may be buffered
    await _video(session, video_id, in_body=True)
    resume = await repository.resume_position(session, viewer.user_id, video_id)
    event = await repository.start_play(session, viewer.user_id, video_id, utcnow())
    return PlayPublic(
        id=event.id, video_id=video_id, started_at=event.started_at, position_s=0.0, completed=False,
        resume_from_s=resume,
    )  # fmt: skip


async def report_progress(progress: ProgressBuffer, viewer: Principal, play_id: int, body: PlayProgress) -> None:
    """Buffered (written within `progress_flush_s`); a finished play is written at once."""
    completed = body.completed or (
        body.duration_s is not None and body.duration_s > 0 and body.position_s >= body.duration_s * FINISHED_FRACTION
    )
    found = await progress.report(
        viewer.user_id, play_id, position_s=body.position_s, duration_s=body.duration_s, completed=completed,
        now=utcnow(),
    )  # fmt: skip
    if not found:
        raise PlayNotFound(play_id)


async def watch_state(
    session: AsyncSession, progress: ProgressBuffer, viewer: Principal, video_id: int
) -> WatchStatePublic:
    await progress.settle(viewer.user_id)
    await _video(session, video_id)
    return await _state(session, viewer, video_id)


async def _state(session: AsyncSession, viewer: Principal, video_id: int) -> WatchStatePublic:
    found = await repository.state(session, viewer.user_id, video_id)
    if found is None:
        return WatchStatePublic(
            video_id=video_id, position_s=0.0, duration_s=None, watched=False, play_count=0, last_played_at=None,
            favourite=False, favourited_at=None,
        )  # fmt: skip
    return WatchStatePublic.model_validate(found)


async def set_watched(
    session: AsyncSession, progress: ProgressBuffer, viewer: Principal, video_id: int, watched: bool
) -> WatchStatePublic:
    await progress.settle(viewer.user_id)  # a buffered position must not land after this
    await _video(session, video_id)
    await repository.upsert_state(session, viewer.user_id, video_id, watched=watched, position_s=0.0)
    return await _state(session, viewer, video_id)


async def set_favourite(
    session: AsyncSession, progress: ProgressBuffer, viewer: Principal, video_id: int, favourite: bool
) -> WatchStatePublic:
    await progress.settle(viewer.user_id)
    await _video(session, video_id)
    await repository.upsert_state(
        session, viewer.user_id, video_id, favourite=favourite, favourited_at=utcnow() if favourite else None
    )
    return await _state(session, viewer, video_id)


async def history(
    session: AsyncSession, progress: ProgressBuffer, viewer: Principal, page: PageParams
) -> Page[HistoryEntry]:
    await progress.settle(viewer.user_id)
    rows, total = await repository.history_page(session, viewer.user_id, offset=page.offset, limit=page.page_size)
    items = [
        HistoryEntry(id=r.play_id, video=video_of(r), started_at=r.started_at, updated_at=r.updated_at,
                     position_s=r.play_position_s, completed=r.completed)
        for r in rows
    ]  # fmt: skip
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def continue_watching(
    session: AsyncSession, progress: ProgressBuffer, viewer: Principal, limit: int
) -> list[ContinueEntry]:
    await progress.settle(viewer.user_id)
    rows = await repository.continue_watching(session, viewer.user_id, min_position_s=CONTINUE_MIN_S, limit=limit)
    return [
        ContinueEntry(video=video_of(r), position_s=r.resume_s, duration_s=r.seen_duration_s,
                      last_played_at=r.last_played_at)
        for r in rows
    ]  # fmt: skip


async def favourites(session: AsyncSession, viewer: Principal, page: PageParams) -> Page[FavouriteEntry]:
    rows, total = await repository.favourites_page(session, viewer.user_id, offset=page.offset, limit=page.page_size)
    items = [FavouriteEntry(video=video_of(r), favourited_at=r.favourited_at) for r in rows]
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def totals(session: AsyncSession) -> HistoryTotals:
    counts = await repository.totals(session)
    top = [
        VideoTotal(video=video_of(r), plays=int(r.plays), viewers=int(r.viewers), last_played_at=r.last_played)
        for r in await repository.top_videos(session, 20)
    ]
    return HistoryTotals(**counts, top_videos=top)
