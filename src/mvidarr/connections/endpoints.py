from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from mvidarr.auth.dependencies import Admin
from mvidarr.connections import service
from mvidarr.connections.schemas import (
    ConnectionCreate,
    ConnectionPublic,
    ConnectionTest,
    ConnectionUpdate,
    WatchLinkCreate,
    WatchLinkPublic,
    WatchLinkUpdate,
)
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.network.dependencies import PolicyDep
from mvidarr.notifications.schemas import DeliveryPublic
from mvidarr.state import ClockDep, EventsDep
from mvidarr.state import DatabaseDep as DbDep

router = APIRouter(prefix="/connections", tags=["connections"])
ConnectionIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Connection id.")]
LinkIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Watched-state link id.")]


@router.get(
    "",
    response_model=Page[ConnectionPublic],
    summary="List media-server connections",
    description="Jellyfin, Plex and Kodi servers refreshed after library changes. Tokens and passwords are "
    "never shown.",
    responses=error_responses(401, 403, 422),
)
async def list_connections(session: SessionDep, _admin: Admin, page: PageDep) -> Page[ConnectionPublic]:
    return await service.list_connections(session, page)


@router.post(
    "",
    response_model=ConnectionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a media-server connection",
    description="The URL must be allowed by the network policy (a LAN server must be listed in "
    "`network.allowed_private_hosts`): 422 otherwise. 409 when the name is taken.",
    responses=error_responses(401, 403, 409, 422),
)
async def create_connection(
    session: SessionDep, _admin: Admin, body: ConnectionCreate, policy: PolicyDep
) -> ConnectionPublic:
    return await service.create_connection(session, body, policy)


@router.get(
    "/{connection_id}",
    response_model=ConnectionPublic,
    summary="Get a media-server connection",
    responses=error_responses(401, 403, 404, 422),
)
async def get_connection(session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath) -> ConnectionPublic:
    return await service.get_connection(session, connection_id)


@router.patch(
    "/{connection_id}",
    response_model=ConnectionPublic,
    summary="Change a media-server connection",
    description="Fields left out stay; `password: null` removes Kodi's password. The kind cannot change.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_connection(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath, body: ConnectionUpdate, policy: PolicyDep
) -> ConnectionPublic:
    return await service.update_connection(session, connection_id, body, policy)


@router.delete(
    "/{connection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a media-server connection",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_connection(session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath) -> Response:
    await service.delete_connection(session, connection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{connection_id}/test",
    response_model=ConnectionTest,
    summary="Test a media-server connection",
    description="Asks the server who it is with the stored credentials (Jellyfin `/System/Info`, Plex "
    "`/identity`, Kodi `JSONRPC.Ping`); `ok` false with the reason when it fails.",
    responses=error_responses(401, 403, 404, 422),
)
async def check_connection(
    _admin: Admin, connection_id: ConnectionIdPath, policy: PolicyDep, db: DbDep
) -> ConnectionTest:
    return await service.check_connection(db, connection_id, policy)


@router.get(
    "/{connection_id}/deliveries",
    response_model=Page[DeliveryPublic],
    summary="A connection's refresh log",
    description="Newest first: each refresh (the paths of one burst of changes), its status and the answer.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_refreshes(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath, page: PageDep
) -> Page[DeliveryPublic]:
    return await service.deliveries(session, connection_id, page)


@router.get(
    "/{connection_id}/watch-links",
    response_model=list[WatchLinkPublic],
    summary="A connection's watched-state links",
    description="Which MVidarr users have their watched flags and resume positions synced with which account "
    "on this server, with the outcome of each link's last sync.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_watch_links(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath
) -> list[WatchLinkPublic]:
    return await service.list_links(session, connection_id)


@router.post(
    "/{connection_id}/watch-links",
    response_model=WatchLinkPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Link a user's watched state to this server",
    description="Jellyfin needs `remote_user` (the server's user, by name or id); Plex uses the link's `token` "
    "or else the connection's (the server owner's account); Kodi has one state, so one link per connection. "
    "422 for an unknown user (`reference`) or a Jellyfin link without a user (`content`); 409 when the user "
    "is linked already, or a second link to a Kodi connection.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_watch_link(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath, body: WatchLinkCreate
) -> WatchLinkPublic:
    return await service.create_link(session, connection_id, body)


@router.patch(
    "/{connection_id}/watch-links/{link_id}",
    response_model=WatchLinkPublic,
    summary="Change a watched-state link",
    description="Fields left out stay; `token: null` falls back to the connection's token.",
    responses=error_responses(401, 403, 404, 422),
)
async def update_watch_link(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath, link_id: LinkIdPath, body: WatchLinkUpdate
) -> WatchLinkPublic:
    return await service.update_link(session, connection_id, link_id, body)


@router.delete(
    "/{connection_id}/watch-links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a watched-state link",
    description="Nothing is synced for the user any more; neither side's state changes.",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_watch_link(
    session: SessionDep, _admin: Admin, connection_id: ConnectionIdPath, link_id: LinkIdPath
) -> Response:
    await service.delete_link(session, connection_id, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{connection_id}/watch-sync",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync watched state now",
    description="Starts the `connections.watch_sync` job for this connection's enabled links (the schedule "
    "runs it for all links every 30 minutes); its progress and failures show on the job. The job already "
    "queued or running for the connection is answered instead of a second one.",
    responses=error_responses(401, 403, 404, 422),
)
async def start_watch_sync(
    session: SessionDep, admin: Admin, connection_id: ConnectionIdPath, events: EventsDep, clock: ClockDep
) -> JobPublic:
    return await service.start_watch_sync(session, events, clock, connection_id, admin.user_id)
