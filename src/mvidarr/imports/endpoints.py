from __future__ import annotations

from fastapi import APIRouter

from mvidarr.auth.dependencies import Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.imports import service, sources
from mvidarr.imports.schemas import ArtistImport, ImportResult
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
