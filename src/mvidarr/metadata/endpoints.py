from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from mvidarr.auth.dependencies import MANAGER, READONLY, Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.metadata import service
from mvidarr.metadata.schemas import (
    ArtistLookup,
    ArtistMatch,
    LibraryEnrichRequest,
    MatchApplied,
    ReviewItem,
    VideoMatch,
)
from mvidarr.state import ClockDep, EventsDep, ProvidersDep

router = APIRouter(tags=["metadata"])
# Registered before the artists routes, so `/artists/lookup` is not taken for an artist id.
lookup_router = APIRouter(tags=["metadata"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
ArtistIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")]


@lookup_router.get(
    "/artists/lookup",
    dependencies=[MANAGER],
    response_model=ArtistLookup,
    summary="Find artists to add",
    description="Searches every enabled metadata provider that finds artists and merges their answers into "
    "candidates (name, disambiguation, country, years, image, ids, IMVDb video count). Send a candidate's ids "
    "to `POST /artists` to add it. Providers that fail are listed in `failed_providers`.",
    responses=error_responses(422),
)
async def lookup_artists(
    session: SessionDep,
    providers: ProvidersDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Artist name to search for.")],
) -> ArtistLookup:
    return await service.lookup_artists(session, providers, q.strip() or q)


@router.post(
    "/videos/{video_id}/enrich",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enrich a video",
    description="Starts a `video.enrich` job: the video is matched to provider records and its metadata "
    "filled in (locked fields are kept). An identical job already queued is answered instead.",
    responses=error_responses(404, 422),
)
async def enrich_video(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, video_id: VideoIdPath
) -> JobPublic:
    return jobs.public(await service.enrich_video(session, events, clock, video_id, manager.user_id))


@router.post(
    "/artists/{artist_id}/enrich",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enrich an artist",
    description="Starts an `artist.enrich` job: biography, country, years, genres, images and ids from the "
    "providers (locked fields are kept).",
    responses=error_responses(404, 422),
)
async def enrich_artist(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, artist_id: ArtistIdPath
) -> JobPublic:
    return jobs.public(await service.enrich_artist(session, events, clock, artist_id, manager.user_id))


@router.post(
    "/metadata/enrich",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Enrich the library",
    description="Starts a `library.enrich` job: every artist and video never enriched (or due again, after "
    "`metadata.refresh_after_days`) is enriched by child jobs in batches. With `video_ids` one `video.enrich` "
    "job enriches those videos; with `filter` (the video list's filters) a `library.enrich` job enriches the "
    "matching videos (not their artists) in batches; a selection is enriched whether due or not.",
    responses=error_responses(422),
)
async def enrich_library(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, body: LibraryEnrichRequest
) -> JobPublic:
    return jobs.public(await service.enrich_request(session, events, clock, body, manager.user_id))


@router.get(
    "/metadata/review",
    dependencies=[READONLY],
    response_model=Page[ReviewItem],
    summary="Matches needing review",
    description="Videos and artists whose best provider match scored below `metadata.match_threshold`, with "
    "their ranked candidates. Apply one with `PUT /videos/{id}/match` or `PUT /artists/{id}/match`. With "
    "`video_id` or `artist_id` only that video's or artist's entry (an empty page when it needs no review).",
    responses=error_responses(422),
)
async def review_list(
    session: SessionDep,
    page: PageDep,
    kind: Annotated[Literal["video", "artist"] | None, Query(description="Only videos or only artists.")] = None,
    video_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this video's entry.")] = None,
    artist_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this artist's entry.")] = None,
) -> Page[ReviewItem]:
    return await service.review_list(session, kind, page, video_id=video_id, artist_id=artist_id)


@router.put(
    "/videos/{video_id}/match",
    response_model=MatchApplied,
    summary="Match a video by hand",
    description="Sets the video's id at the chosen provider (and locks it), removes it from the review list, "
    "and starts a `video.enrich` job that fills the rest from that record.",
    responses=error_responses(404, 422),
)
async def match_video(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, video_id: VideoIdPath, body: VideoMatch
) -> MatchApplied:
    return await service.match_video(session, events, clock, video_id, body, manager.user_id)


@router.put(
    "/artists/{artist_id}/match",
    response_model=MatchApplied,
    summary="Match an artist by hand",
    description="Sets the artist's id at the chosen provider (and locks it), removes it from the review list, "
    "and starts an `artist.enrich` job.",
    responses=error_responses(404, 409, 422),
)
async def match_artist(
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    artist_id: ArtistIdPath,
    body: ArtistMatch,
) -> MatchApplied:
    return await service.match_artist(session, events, clock, artist_id, body, manager.user_id)
