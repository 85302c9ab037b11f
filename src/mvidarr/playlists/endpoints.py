from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from mvidarr.auth.dependencies import Member, Reader
from mvidarr.auth.guard import API_KEY_HEADER, Guard, Principal
from mvidarr.db import SessionDep
from mvidarr.errors import CONFLICT, InvalidInput, Unauthorized, error_responses
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID, sort_query
from mvidarr.playlists import export, service
from mvidarr.playlists.schemas import (
    ExportFormat,
    ItemOrder,
    ItemsAdd,
    ItemsAdded,
    ItemUpdate,
    PlaylistCreate,
    PlaylistEntry,
    PlaylistExport,
    PlaylistPublic,
    PlaylistUpdate,
    SmartRule,
    VideoIds,
)
from mvidarr.playlists.service import LIST_SORTABLE

router = APIRouter(prefix="/playlists", tags=["playlists"])
PlaylistIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Playlist id.")]
ItemIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Entry id.")]
M3U8_TYPE = "application/vnd.apple.mpegurl"


@router.get(
    "",
    response_model=Page[PlaylistPublic],
    summary="List playlists",
    description="The caller's playlists and other users' public ones (an admin sees all), by name. "
    "Sortable: name, created_at, updated_at.",
    responses=error_responses(401, 403, 422),
)
async def list_playlists(
    session: SessionDep,
    viewer: Reader,
    page: PageDep,
    mine: Annotated[bool | None, Query(description="Only the caller's (true) or only others' (false).")] = None,
    smart: Annotated[bool | None, Query(description="Only smart (true) or only manual (false) playlists.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the name.")] = None,
    sort: Annotated[str | None, sort_query(LIST_SORTABLE)] = None,
) -> Page[PlaylistPublic]:
    return await service.list_playlists(session, viewer, page, mine=mine, smart=smart, q=q, sort=sort)


@router.post(
    "",
    response_model=PlaylistPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a playlist",
    description="A manual playlist, or with `rule` a smart one (the videos that filter matches, for each viewer).",
    responses=error_responses(401, 403, 422),
)
async def create_playlist(session: SessionDep, member: Member, body: PlaylistCreate) -> PlaylistPublic:
    return await service.create_playlist(session, member, body)


@router.post(
    "/preview-video-ids",
    response_model=VideoIds,
    summary="Video ids a smart rule matches",
    description="What a smart playlist with this rule would hold now for the caller, in its order (at most "
    "50,000 ids), without saving one: continuous players queue an artist, a genre, a decade or the library so.",
    responses=error_responses(401, 403, 422),
)
async def preview_video_ids(session: SessionDep, viewer: Reader, body: SmartRule) -> VideoIds:
    return VideoIds(video_ids=await service.rule_video_ids(session, viewer, body))


@router.get(
    "/{playlist_id}",
    response_model=PlaylistPublic,
    summary="Get a playlist",
    description="One playlist the caller may read (their own or a public one), with its entry count.",
    responses=error_responses(401, 403, 404, 422),
)
async def get_playlist(session: SessionDep, viewer: Reader, playlist_id: PlaylistIdPath) -> PlaylistPublic:
    return await service.get_playlist(session, viewer, playlist_id)


@router.patch(
    "/{playlist_id}",
    response_model=PlaylistPublic,
    summary="Update a playlist",
    description="Name, description, public, and a smart playlist's rule. Owner only.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_playlist(
    session: SessionDep, member: Member, playlist_id: PlaylistIdPath, body: PlaylistUpdate
) -> PlaylistPublic:
    return await service.update_playlist(session, member, playlist_id, body)


@router.delete(
    "/{playlist_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a playlist",
    description="The playlist and its entries; the videos stay. Owner only.",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_playlist(session: SessionDep, member: Member, playlist_id: PlaylistIdPath) -> None:
    await service.delete_playlist(session, member, playlist_id)


@router.get(
    "/{playlist_id}/items",
    response_model=Page[PlaylistEntry],
    summary="List a playlist's entries",
    description="In playlist order: a manual playlist's entries with their notes, or the videos a smart "
    "playlist's rule matches now for the caller.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_items(
    session: SessionDep, viewer: Reader, playlist_id: PlaylistIdPath, page: PageDep
) -> Page[PlaylistEntry]:
    return await service.entries(session, viewer, playlist_id, page)


@router.get(
    "/{playlist_id}/video-ids",
    response_model=VideoIds,
    summary="A playlist's video ids",
    description="Every video id in playlist order (at most 50,000), for players that queue the whole list.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_video_ids(session: SessionDep, viewer: Reader, playlist_id: PlaylistIdPath) -> VideoIds:
    return VideoIds(video_ids=await service.video_ids(session, viewer, playlist_id))


@router.post(
    "/{playlist_id}/items",
    response_model=ItemsAdded,
    summary="Add videos to a playlist",
    description="Many at once: `video_ids` (up to 5,000, kept in the order sent) or a `filter` of the video "
    "list (up to 10,000 matches); at the end or before `position`. Videos already in it are not added "
    "twice. Manual playlists only (409 for a smart one).",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def add_items(session: SessionDep, member: Member, playlist_id: PlaylistIdPath, body: ItemsAdd) -> ItemsAdded:
    return await service.add_items(session, member, playlist_id, body)


@router.put(
    "/{playlist_id}/items",
    response_model=Page[PlaylistEntry],
    summary="Reorder a playlist",
    description="`item_ids` lists every entry once, in the new order; answers the first 500 entries.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def reorder_items(
    session: SessionDep, member: Member, playlist_id: PlaylistIdPath, body: ItemOrder
) -> Page[PlaylistEntry]:
    return await service.reorder(session, member, playlist_id, body)


@router.patch(
    "/{playlist_id}/items/{item_id}",
    response_model=PlaylistEntry,
    summary="Move an entry or change its note",
    description="`position` moves the entry there (the others close up); `note` sets or clears its note.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_item(
    session: SessionDep, member: Member, playlist_id: PlaylistIdPath, item_id: ItemIdPath, body: ItemUpdate
) -> PlaylistEntry:
    return await service.update_item(session, member, playlist_id, item_id, body)


@router.delete(
    "/{playlist_id}/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove an entry",
    description="The entries after it move up one place.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def remove_item(session: SessionDep, member: Member, playlist_id: PlaylistIdPath, item_id: ItemIdPath) -> None:
    await service.remove_item(session, member, playlist_id, item_id)


async def _stream_key(request: Request, viewer: Principal, given: str | None) -> str | None:
    """The API key the stream URLs carry: the one the caller used, else `api_key` if it is theirs."""
    if viewer.via == "api_key":
        used = request.headers.get(API_KEY_HEADER) or request.query_params.get("api_key")
        if used:
            return used.strip()
    if given is None:
        return None
    guard: Guard = request.app.state.auth
    try:
        owner = await guard.from_api_key(given.strip())
    except Unauthorized:
        raise Unauthorized("api_key is not a valid API key") from None
    if owner.user_id != viewer.user_id:
        raise InvalidInput("api_key belongs to another user", loc=("query", "api_key"), type_=CONFLICT)
    return given.strip()


@router.get(
    "/{playlist_id}/export",
    response_model=PlaylistExport,
    summary="Export a playlist",
    description="`format=m3u8` (default) for media players, or `json`. Stream URLs carry the API key the "
    "request was made with (`X-Api-Key`, or `api_key` in the query, which this route and the stream accept), "
    "or the caller's own key given as `api_key`; without one they need an `X-Api-Key` header to play.",
    responses={
        200: {"content": {M3U8_TYPE: {"schema": {"type": "string"}}}, "description": "The playlist."},
        **error_responses(401, 403, 404, 422),
    },
)
async def export_playlist(
    request: Request,
    session: SessionDep,
    viewer: Reader,
    playlist_id: PlaylistIdPath,
    format: Annotated[ExportFormat, Query(description="m3u8 or json.")] = "m3u8",
    api_key: Annotated[
        str | None, Query(min_length=1, max_length=200, description="An API key of the caller's for the stream URLs.")
    ] = None,
) -> Response:
    key = await _stream_key(request, viewer, api_key)
    playlist = await service.readable(session, viewer, playlist_id)
    entries = await service.all_entries(session, viewer, playlist)
    base = str(request.base_url)
    filename = f"playlist-{playlist.id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "json":
        body = export.document(playlist, entries, base, key).model_dump_json()
        return Response(body, media_type="application/json", headers=headers)
    return Response(export.m3u8(playlist, entries, base, key), media_type=M3U8_TYPE, headers=headers)
