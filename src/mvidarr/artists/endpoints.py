from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from mvidarr.artists import actions, service
from mvidarr.artists.repository import SORTABLE, ArtistFilter
from mvidarr.artists.schemas import ArtistCreate, ArtistListItem, ArtistMerge, ArtistMerged, ArtistPublic, ArtistUpdate
from mvidarr.audit import service as audit
from mvidarr.auth.dependencies import MANAGER, READONLY, Manager, client_ip
from mvidarr.db import ReadsDep, SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID, SearchQuery, sort_query
from mvidarr.kit.sqljson import json_response
from mvidarr.kit.text import search_terms
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/artists", tags=["artists"])
ArtistIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")]


@router.get(
    "",
    dependencies=[READONLY],
    response_model=Page[ArtistListItem],
    summary="List artists",
    description="Artists with their video counts and genres; filter, search and sort. "
    "Sortable: name, sort_name, created_at, updated_at, begin_year, country, video_count.",
    responses=error_responses(422),
)
async def list_artists(
    reads: ReadsDep,
    page: PageDep,
    sort: Annotated[str | None, sort_query(SORTABLE)] = None,
    q: SearchQuery = None,
    monitored: Annotated[bool | None, Query(description="Only monitored (true) or unmonitored (false).")] = None,
    genre: Annotated[str | None, Query(max_length=100, description="Genre name.")] = None,
) -> Response:
    flt = ArtistFilter(q=search_terms(q or ""), monitored=monitored, genre=genre)
    return json_response(await service.list_artists_json(reads, flt, sort, page))


@router.post(
    "",
    response_model=ArtistPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add an artist",
    description="Creates an artist. Names are unique case- and accent-insensitively "
    "(with 'The X' equal to 'X, The') unless a disambiguation tells them apart. Send the ids of a candidate "
    "from `GET /artists/lookup`; unless `enrich=false` an `artist.enrich` job starts at once (its id is in the "
    "`X-Job-Id` header).",
    responses={
        201: {"headers": {"X-Job-Id": {"description": "The enrichment job started.", "schema": {"type": "integer"}}}},
        **error_responses(400, 409, 422),
    },
)
async def create_artist(
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    response: Response,
    body: ArtistCreate,
    enrich: Annotated[bool, Query(description="Start an `artist.enrich` job for the new artist.")] = True,
) -> ArtistPublic:
    artist, job = await actions.add_artist(session, events, clock, body, enrich=enrich, created_by=manager.user_id)
    if job is not None:
        response.headers["X-Job-Id"] = str(job.id)
    return artist


@router.get(
    "/{artist_id}",
    dependencies=[READONLY],
    response_model=ArtistPublic,
    summary="Get an artist",
    description="One artist with all its fields, genres and video counts.",
    responses=error_responses(404, 422),
)
async def get_artist(session: SessionDep, artist_id: ArtistIdPath) -> ArtistPublic:
    return await service.read_artist(session, artist_id)


@router.patch(
    "/{artist_id}",
    dependencies=[MANAGER],
    response_model=ArtistPublic,
    summary="Update an artist",
    description="Changes the fields sent. Metadata a user edits is locked against enrichment.",
    responses=error_responses(400, 404, 409, 422),
)
async def update_artist(
    session: SessionDep, events: EventsDep, clock: ClockDep, artist_id: ArtistIdPath, body: ArtistUpdate
) -> ArtistPublic:
    return await actions.edit_artist(session, events, clock, artist_id, body)


@router.delete(
    "/{artist_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete an artist",
    description="Deletes the artist. An artist with videos needs `delete_videos=true`, else 409. "
    "`delete_files=true` moves the videos' files to the trash (restorable from `/trash`); "
    "`permanent=true` (admins only) deletes them for good instead.",
    responses=error_responses(403, 404, 409, 422),
)
async def delete_artist(
    request: Request,
    session: SessionDep,
    manager: Manager,
    artist_id: ArtistIdPath,
    delete_videos: Annotated[bool, Query(description="Also delete the artist's videos.")] = False,
    delete_files: Annotated[bool, Query(description="Move the videos' files to the trash.")] = False,
    permanent: Annotated[bool, Query(description="Delete the files for good, not to the trash (admins only).")] = False,
) -> None:
    await actions.remove_artist(
        session,
        manager,
        artist_id,
        delete_videos=delete_videos,
        delete_files=delete_files,
        permanent=permanent,
        ip=client_ip(request),
    )


@router.post(
    "/{artist_id}/merge",
    response_model=ArtistMerged,
    summary="Merge an artist into another",
    description="Moves every video, monitor and remembered removal of this artist to `into_artist_id`, fills "
    "that artist's empty fields and adds this one's genres, then deletes this artist. Video ids stay the same. "
    "422 when both are the same artist, 404 when either does not exist.",
    responses=error_responses(404, 409, 422),
)
async def merge_artist(
    request: Request, session: SessionDep, manager: Manager, artist_id: ArtistIdPath, body: ArtistMerge
) -> ArtistMerged:
    merged = await service.merge_artists(session, artist_id, body.into_artist_id)
    audit.record(
        session, "artist.merged", actor=manager, target_type="artist", target_id=body.into_artist_id,
        ip=client_ip(request), details={"merged_artist_id": artist_id, "name": merged.merged_name,
        "videos_moved": merged.videos_moved},
    )  # fmt: skip
    return merged
