from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from mvidarr.auth.dependencies import MANAGER, READONLY, Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID, sort_query
from mvidarr.quality import service
from mvidarr.quality.repository import CUTOFF_SORTABLE
from mvidarr.quality.schemas import (
    AnalyzeRequest,
    CutoffUnmetItem,
    QualityProfileCreate,
    QualityProfilePublic,
    QualityProfileUpdate,
    QualitySummary,
    VideoQualityReport,
)
from mvidarr.quality.tasks import PROBE
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/video-quality", tags=["video quality"])
profiles_router = APIRouter(prefix="/quality-profiles", tags=["quality profiles"])
ProfileIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Quality profile id.")]
ArtistFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this artist's videos.")]


@router.get(
    "/summary",
    dependencies=[READONLY],
    response_model=QualitySummary,
    summary="Library quality summary",
    description="Counts, total size and duration of current files by quality label, video codec, audio codec, "
    "container and HDR format; `per_artist=true` adds counts by label for each artist.",
    responses=error_responses(404, 422),
)
async def quality_summary(
    session: SessionDep,
    artist_id: ArtistFilter = None,
    per_artist: Annotated[bool, Query(description="Add a breakdown per artist.")] = False,
) -> QualitySummary:
    return await service.library_summary(session, artist_id=artist_id, per_artist=per_artist)


@router.get(
    "/videos/{video_id}",
    dependencies=[READONLY],
    response_model=VideoQualityReport,
    summary="A video's quality report",
    description="Everything probing found in the video's current file, its label and score, the quality profile "
    "it is judged against, and whether it meets the cutoff, with the reasons.",
    responses=error_responses(404, 422),
)
async def video_quality(
    session: SessionDep, video_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
) -> VideoQualityReport:
    return await service.video_report(session, video_id)


@router.get(
    "/cutoff-unmet",
    dependencies=[READONLY],
    response_model=Page[CutoffUnmetItem],
    summary="Upgrade candidates",
    description="Videos whose current file is below their profile's cutoff (profiles that allow upgrades), "
    "worst first by default; sort by `score`, `title`, `artist` or `created_at`.",
    responses=error_responses(422),
)
async def cutoff_unmet(
    session: SessionDep,
    page: PageDep,
    sort: Annotated[str | None, sort_query(CUTOFF_SORTABLE)] = None,
    artist_id: ArtistFilter = None,
    profile_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only artists judged by this profile.")
    ] = None,
) -> Page[CutoffUnmetItem]:
    return await service.cutoff_unmet(session, artist_id=artist_id, profile_id=profile_id, sort=sort, page=page)


@router.post(
    "/analyze",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Probe files again",
    description="Starts a `media.probe` job re-reading the current files of the chosen videos (by id, artist, "
    "root folder, or all). An identical job already queued or running is answered instead.",
    responses=error_responses(422),
)
async def analyze(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, body: AnalyzeRequest
) -> JobPublic:
    job, _created = await jobs.enqueue(session, events, PROBE, body, created_by=manager.user_id, clock=clock)
    return jobs.public(job)


@profiles_router.get(
    "",
    dependencies=[READONLY],
    response_model=list[QualityProfilePublic],
    summary="List quality profiles",
    description="Every profile with the number of artists using it and which one is the default.",
    responses=error_responses(),
)
async def list_profiles(session: SessionDep) -> list[QualityProfilePublic]:
    return await service.list_profiles(session)


@profiles_router.post(
    "",
    dependencies=[MANAGER],
    response_model=QualityProfilePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a quality profile",
    description="Names are unique (case-insensitively); the cutoff must be one of the allowed labels.",
    responses=error_responses(409, 422),
)
async def create_profile(session: SessionDep, body: QualityProfileCreate) -> QualityProfilePublic:
    return await service.create_profile(session, body)


@profiles_router.get(
    "/{profile_id}",
    dependencies=[READONLY],
    response_model=QualityProfilePublic,
    summary="Get a quality profile",
    description="One profile, with its derived yt-dlp format expression.",
    responses=error_responses(404, 422),
)
async def get_profile(session: SessionDep, profile_id: ProfileIdPath) -> QualityProfilePublic:
    return await service.read_profile(session, profile_id)


@profiles_router.patch(
    "/{profile_id}",
    dependencies=[MANAGER],
    response_model=QualityProfilePublic,
    summary="Change a quality profile",
    description="Only the fields sent change; the result must still be consistent (cutoff among allowed labels).",
    responses=error_responses(404, 409, 422),
)
async def update_profile(
    session: SessionDep, profile_id: ProfileIdPath, body: QualityProfileUpdate
) -> QualityProfilePublic:
    return await service.update_profile(session, profile_id, body)


@profiles_router.delete(
    "/{profile_id}",
    dependencies=[MANAGER],
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a quality profile",
    description="Refused (409) while artists use it or while it is the default profile.",
    responses=error_responses(404, 409, 422),
)
async def delete_profile(session: SessionDep, profile_id: ProfileIdPath) -> None:
    await service.delete_profile(session, profile_id)
