from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from mvidarr.auth.dependencies import MANAGER, Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.imports import lists, service, sources
from mvidarr.imports import tasks as _tasks  # noqa: F401  (registers the import list job types)
from mvidarr.imports.schemas import (
    ArtistImport,
    ImportListCreate,
    ImportListPublic,
    ImportListSync,
    ImportListUpdate,
    ImportResult,
)
from mvidarr.kit.params import MAX_ID
from mvidarr.network.dependencies import PolicyDep
from mvidarr.state import ClockDep, EventsDep, ProvidersDep

router = APIRouter(prefix="/import", tags=["discovery"])


@router.post(
    "/artists",
    response_model=ImportResult,
    summary="Import artists from a list",
    description="Reads a Lidarr instance's artists (URL + API key), a Last.fm user's top artists or a Spotify "
    "user's followed artists (user token), and adds the ones not in the library (monitored per the "
    "`imports.add_monitored` setting), then starts their enrichment. With `dry_run` nothing is added: the "
    "answer is the preview. A Lidarr URL whose host is private, loopback or link-local is refused by the network "
    "policy (422) unless the `network.allowed_private_hosts` setting lists it; any other Lidarr failure is one "
    "400 that does not say why (so it cannot be used to probe the network).",
    responses=error_responses(400, 409, 422, 502, 503),
)
async def import_artists(
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    providers: ProvidersDep,
    policy: PolicyDep,
    body: ArtistImport,
) -> ImportResult:
    listed = await sources.read(providers, body, policy)
    return await service.import_artists(session, events, clock, body, listed, manager.user_id)


ListIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Import list id.")]


@router.get(
    "/lists",
    dependencies=[MANAGER],
    response_model=list[ImportListPublic],
    summary="List the saved import lists",
    description="Saved lists by name (at most 200), with their last sync; credentials are answered only as set or "
    "not set.",
    responses=error_responses(),
)
async def list_import_lists(session: SessionDep) -> list[ImportListPublic]:
    return await lists.list_lists(session)


@router.post(
    "/lists",
    dependencies=[MANAGER],
    response_model=ImportListPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Save an import list",
    description="Keeps a list with the fields its source needs (as for a one-off import) to sync on a schedule "
    "(`imports.sync_due`, hourly, syncs each enabled list whose interval has passed). A Lidarr URL whose host is "
    "private, loopback or link-local is refused by the network policy (422) unless "
    "`network.allowed_private_hosts` lists it. A name already used answers 422 (`conflict`).",
    responses=error_responses(422),
)
async def create_import_list(session: SessionDep, policy: PolicyDep, body: ImportListCreate) -> ImportListPublic:
    return await lists.create_list(session, body, policy)


@router.patch(
    "/lists/{list_id}",
    dependencies=[MANAGER],
    response_model=ImportListPublic,
    summary="Change an import list",
    description="Only the fields sent are changed; a credential sent replaces the stored one. A new `url` is "
    "checked against the network policy (422 when refused).",
    responses=error_responses(404, 422),
)
async def update_import_list(
    session: SessionDep, policy: PolicyDep, list_id: ListIdPath, body: ImportListUpdate
) -> ImportListPublic:
    return await lists.update_list(session, list_id, body, policy)


@router.delete(
    "/lists/{list_id}",
    dependencies=[MANAGER],
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete an import list",
    description="Forgets the list and its credentials; the artists it added stay.",
    responses=error_responses(404, 422),
)
async def delete_import_list(session: SessionDep, list_id: ListIdPath) -> None:
    await lists.delete_list(session, list_id)


@router.post(
    "/lists/{list_id}/sync",
    response_model=ImportResult,
    summary="Sync an import list now",
    description="Reads the saved list now and adds its new artists, as `POST /import/artists` does with the "
    "list's fields; with `dry_run` nothing is added and the answer is the preview. A sync that adds is recorded "
    "on the list (when, how many). Failures answer as for a one-off import (400, 422, 502, 503).",
    responses=error_responses(400, 404, 409, 422, 502, 503),
)
async def sync_import_list(
    session: SessionDep,
    manager: Manager,
    events: EventsDep,
    clock: ClockDep,
    providers: ProvidersDep,
    policy: PolicyDep,
    list_id: ListIdPath,
    body: ImportListSync,
) -> ImportResult:
    request = lists.request_of(await lists.get_list(session, list_id), dry_run=body.dry_run)
    # Nothing is written yet: end the transaction before the list is read over the network, so no
    # database lock is held meanwhile (the providers write their cache through their own sessions).
    await session.rollback()
    listed = await sources.read(providers, request, policy)
    result = await service.import_artists(session, events, clock, request, listed, manager.user_id)
    if not body.dry_run:
        lists.record(await lists.get_list(session, list_id), clock.now(), result=result, error=None)
    return result
