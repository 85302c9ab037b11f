from __future__ import annotations

from dataclasses import replace
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from mvidarr.auth.dependencies import MANAGER, READONLY, Manager, client_ip
from mvidarr.db import ReadsDep, SessionDep
from mvidarr.downloads.schemas import VideoAdd, VideoDownloadAccepted, VideoFromSource
from mvidarr.errors import CONFLICT, InvalidInput, error_responses
from mvidarr.kit.keyset import CursorQuery
from mvidarr.kit.pagination import CursorPage, PageDep
from mvidarr.kit.params import MAX_ID, SearchQuery, sort_query
from mvidarr.kit.sqljson import json_response
from mvidarr.kit.text import search_terms
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.network.dependencies import PolicyDep
from mvidarr.quality.schemas import QualityLabel
from mvidarr.state import ClockDep, EventsDep, ProvidersIfRunningDep
from mvidarr.videos import actions, service
from mvidarr.videos.repository import SORTABLE, VideoFilter
from mvidarr.videos.schemas import VideoFacets, VideoListItem, VideoPublic, VideoUpdate

VideoSort = Annotated[str | None, sort_query(SORTABLE)]
router = APIRouter(tags=["videos"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
ArtistIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")]
QUALITY_LABELS: tuple[str, ...] = get_args(QualityLabel)
_SORT_DOC = "Sortable: title, artist, year, release_date, created_at, updated_at, status, kind, duration_s, quality."
_PAGING_DOC = (
    "Page by number (`page`), or by keyset: `next_cursor` in each page is the `cursor` of the next one, "
    "for the same filters and sort; a page by cursor starts from the sort's index instead of walking the "
    "pages before it, and rows added or removed between pages are neither repeated nor skipped."
)


async def _video_filter(
    q: SearchQuery = None,
    artist: Annotated[
        int | None, Query(alias="artist_id", ge=1, le=MAX_ID, description="Only this artist's videos.")
    ] = None,
    status: Annotated[list[VideoStatus] | None, Query(description="One or more statuses.")] = None,
    kind: Annotated[list[VideoKind] | None, Query(description="One or more kinds.")] = None,
    year_min: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    year_max: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    genre: Annotated[str | None, Query(max_length=100, description="Genre name.")] = None,
    has_file: Annotated[bool | None, Query(description="Only videos with (true) or without (false) a file.")] = None,
    quality_label: Annotated[list[QualityLabel] | None, Query(description="One or more quality labels.")] = None,
) -> VideoFilter:
    if year_min is not None and year_max is not None and year_min > year_max:
        raise InvalidInput("year_min must not be greater than year_max", loc=("query", "year_min"), type_=CONFLICT)
    return VideoFilter(
        q=search_terms(q or ""),
        artist_id=artist,
        status=[s.value for s in status or ()],
        kind=[k.value for k in kind or ()],
        year_min=year_min,
        year_max=year_max,
        genre=genre,
        has_file=has_file,
        quality_label=quality_label or (),
    )


VideoFilterDep = Annotated[VideoFilter, Depends(_video_filter)]


@router.get(
    "/videos",
    dependencies=[READONLY],
    response_model=CursorPage[VideoListItem],
    summary="List videos",
    description="Videos with their artist and current file's quality; filter, search and sort, "
    f"newest first by default. {_SORT_DOC} {_PAGING_DOC}",
    responses=error_responses(422),
)
async def list_videos(
    reads: ReadsDep, page: PageDep, flt: VideoFilterDep, sort: VideoSort = None, cursor: CursorQuery = None
) -> Response:
    dialect = reads.dialect.name
    return json_response(await service.list_videos_by_cursor_json(reads, dialect, flt, sort, page, cursor))


@router.post(
    "/videos",
    response_model=VideoPublic | VideoDownloadAccepted,
    status_code=status.HTTP_201_CREATED,
    summary="Add a video",
    description="Creates a video for an existing artist (201 with the video). With `source_url` and "
    "`download: true` it adds the video from that source instead (artist and title from the body, else from "
    "the source's title; the artist is created if needed), queues its download and answers 202 with "
    "`{video, job}`; with no root folder to put the file in it answers 409 (`no-root-folder`) and adds nothing. "
    "A source whose host is private, loopback, link-local or otherwise non-public is refused by the network "
    "policy (422) unless the `network.allowed_private_hosts` setting lists it; a source that does not answer "
    "while its title is read is 502.",
    responses={
        202: {"model": VideoDownloadAccepted, "description": "Video added from the source; download queued."},
        **error_responses(400, 409, 422, 502),
    },
)
async def create_video(
    response: Response,
    session: SessionDep,
    principal: Manager,
    events: EventsDep,
    clock: ClockDep,
    policy: PolicyDep,
    providers: ProvidersIfRunningDep,
    body: VideoAdd,
) -> VideoPublic | VideoDownloadAccepted:
    if isinstance(body.root, VideoFromSource):
        response.status_code = status.HTTP_202_ACCEPTED
    return await actions.add_video(
        session, events, clock, body, policy=policy, providers=providers, created_by=principal.user_id
    )


@router.get(
    "/videos/facets",
    dependencies=[READONLY],
    response_model=VideoFacets,
    summary="Count videos by facet",
    description="For the video list's filters (the same parameters as `GET /videos`): the number of matching "
    "videos, and how many have each status, kind, decade, genre (the 50 most common), current file's quality "
    "label, and a file or not. Each facet is counted with the other filters only, so the counts of a facet's "
    "other values stay visible when one is chosen.",
    responses=error_responses(422),
)
async def video_facets(session: SessionDep, flt: VideoFilterDep) -> VideoFacets:
    return await service.facets(session, flt)


@router.get(
    "/videos/{video_id}",
    dependencies=[READONLY],
    response_model=VideoPublic,
    summary="Get a video",
    description="One video with its artist, genres, sources, provenance and current file.",
    responses=error_responses(404, 422),
)
async def get_video(reads: ReadsDep, video_id: VideoIdPath) -> Response:
    return json_response(await service.video_json(reads, video_id))


@router.patch(
    "/videos/{video_id}",
    dependencies=[MANAGER],
    response_model=VideoPublic,
    summary="Update a video",
    description="Changes the fields sent. Metadata a user edits is locked against enrichment.",
    responses=error_responses(400, 404, 422),
)
async def update_video(
    session: SessionDep, events: EventsDep, clock: ClockDep, video_id: VideoIdPath, body: VideoUpdate
) -> VideoPublic:
    return await actions.edit_video(session, events, clock, video_id, body)


@router.delete(
    "/videos/{video_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a video",
    description="Deletes the video record. Its files stay on disk and become unmatched, unless "
    "`delete_files=true` moves them (with their sidecars) to the root folder's trash, restorable from "
    "`/trash`; `permanent=true` (admins only) deletes them for good instead.",
    responses=error_responses(403, 404, 409, 422),
)
async def delete_video(
    request: Request,
    session: SessionDep,
    manager: Manager,
    video_id: VideoIdPath,
    delete_files: Annotated[bool, Query(description="Move the video's files to the trash.")] = False,
    permanent: Annotated[bool, Query(description="Delete the files for good, not to the trash (admins only).")] = False,
) -> None:
    await actions.remove_video(
        session, manager, video_id, delete_files=delete_files, permanent=permanent, ip=client_ip(request)
    )


@router.get(
    "/artists/{artist_id}/videos",
    dependencies=[READONLY],
    response_model=CursorPage[VideoListItem],
    summary="List an artist's videos",
    description=f"The videos of one artist, with the same filters as the video list. {_SORT_DOC} {_PAGING_DOC}",
    responses=error_responses(404, 422),
)
async def list_artist_videos(
    reads: ReadsDep,
    artist_id: ArtistIdPath,
    page: PageDep,
    flt: VideoFilterDep,
    sort: VideoSort = None,
    cursor: CursorQuery = None,
) -> Response:
    flt = replace(flt, artist_id=artist_id)
    dialect = reads.dialect.name
    return json_response(await service.list_artist_videos_json(reads, dialect, artist_id, flt, sort, page, cursor))
