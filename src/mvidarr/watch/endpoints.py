from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from mvidarr.auth.dependencies import ADMIN, Member
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import InputSchema
from mvidarr.state import ProgressDep
from mvidarr.watch import service
from mvidarr.watch.schemas import (
    ContinueEntry,
    FavouriteEntry,
    HistoryEntry,
    HistoryTotals,
    PlayProgress,
    PlayPublic,
    PlayStart,
    WatchStatePublic,
)

router = APIRouter(tags=["watch history"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
PlayIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Play id.")]


class WatchedChange(InputSchema):
    watched: bool


@router.post(
    "/history/plays",
    response_model=PlayPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Start a play",
    description="Records that the caller started the video (its play count and last played) and answers "
    "where they left it last time (`resume_from_s`). Report progress on the play it returns.",
    responses=error_responses(401, 403, 422),
)
async def start_play(session: SessionDep, progress: ProgressDep, member: Member, body: PlayStart) -> PlayPublic:
    return await service.start(session, progress, member, body.video_id)


@router.patch(
    "/history/plays/{play_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Report a play's progress",
    description="Where the play is now (players send it every few seconds, on pause and on leaving) and "
    "whether it finished; this is the resume position. A position within the last 5 % counts as finished. "
    "Positions are written to the database within `MVIDARR_PROGRESS_FLUSH_S` (the caller's own reads see "
    "them at once); a finished play is written before the answer.",
    responses=error_responses(401, 403, 404, 422),
)
async def report_progress(progress: ProgressDep, member: Member, play_id: PlayIdPath, body: PlayProgress) -> None:
    await service.report_progress(progress, member, play_id, body)


@router.get(
    "/history",
    response_model=Page[HistoryEntry],
    summary="My watch history",
    description="The caller's plays, newest first.",
    responses=error_responses(401, 403, 422),
)
async def list_history(session: SessionDep, progress: ProgressDep, member: Member, page: PageDep) -> Page[HistoryEntry]:
    return await service.history(session, progress, member, page)


@router.get(
    "/history/continue",
    response_model=list[ContinueEntry],
    summary="Continue watching",
    description="The caller's videos left part way, most recently played first.",
    responses=error_responses(401, 403, 422),
)
async def continue_watching(
    session: SessionDep,
    progress: ProgressDep,
    member: Member,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many.")] = 12,
) -> list[ContinueEntry]:
    return await service.continue_watching(session, progress, member, limit)


@router.get(
    "/history/totals",
    dependencies=[ADMIN],
    response_model=HistoryTotals,
    summary="Watch totals",
    description="Plays, viewers and favourites over all users, and the most played videos.",
    responses=error_responses(401, 403),
)
async def history_totals(session: SessionDep) -> HistoryTotals:
    return await service.totals(session)


@router.get(
    "/videos/{video_id}/watch-state",
    response_model=WatchStatePublic,
    summary="My state of a video",
    description="The caller's resume position, watched flag, play count, last played and favourite.",
    responses=error_responses(401, 403, 404, 422),
)
async def get_watch_state(
    session: SessionDep, progress: ProgressDep, member: Member, video_id: VideoIdPath
) -> WatchStatePublic:
    return await service.watch_state(session, progress, member, video_id)


@router.put(
    "/videos/{video_id}/watch-state",
    response_model=WatchStatePublic,
    summary="Mark a video watched or not",
    description="Sets the caller's watched flag and clears the resume position.",
    responses=error_responses(401, 403, 404, 422),
)
async def set_watched(
    session: SessionDep, progress: ProgressDep, member: Member, video_id: VideoIdPath, body: WatchedChange
) -> WatchStatePublic:
    return await service.set_watched(session, progress, member, video_id, body.watched)


@router.get(
    "/favourites",
    response_model=Page[FavouriteEntry],
    summary="My favourites",
    description="The caller's favourite videos, most recently added first.",
    responses=error_responses(401, 403, 422),
)
async def list_favourites(session: SessionDep, member: Member, page: PageDep) -> Page[FavouriteEntry]:
    return await service.favourites(session, member, page)


@router.put(
    "/favourites/{video_id}",
    response_model=WatchStatePublic,
    summary="Add a favourite",
    description="Marks the video a favourite of the caller's (again is harmless).",
    responses=error_responses(401, 403, 404, 422),
)
async def add_favourite(
    session: SessionDep, progress: ProgressDep, member: Member, video_id: VideoIdPath
) -> WatchStatePublic:
    return await service.set_favourite(session, progress, member, video_id, True)


@router.delete(
    "/favourites/{video_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove a favourite",
    description="The video is no longer a favourite of the caller's.",
    responses=error_responses(401, 403, 404, 422),
)
async def remove_favourite(session: SessionDep, progress: ProgressDep, member: Member, video_id: VideoIdPath) -> None:
    await service.set_favourite(session, progress, member, video_id, False)
