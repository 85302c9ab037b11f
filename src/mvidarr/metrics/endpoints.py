"""`GET /metrics`: Prometheus text for admins and for the networks an admin allows."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mvidarr.auth.dependencies import MaybeSignedIn, client_ip
from mvidarr.errors import error_responses
from mvidarr.jobs.clock import Clock
from mvidarr.metrics import service
from mvidarr.state import DatabaseDep, EventsIfRunningDep, ProvidersIfRunningDep

router = APIRouter(tags=["system"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="HTTP latency by route template and status; jobs by type and status with run times; queue "
    "depth and age; downloads (bytes, speed); provider requests, errors and circuit state; database pools; "
    "WebSocket clients; process memory and CPU; in the Prometheus text format. Jobs, queue, downloads and "
    "providers are read from the database, so every API process answers alike. Allowed to admins (bearer "
    "token, `X-Api-Key`, or an API key as the bearer token) and to any caller from a network listed in the "
    "`metrics.allowed_networks` runtime setting.",
    responses={
        200: {"content": {service.CONTENT_TYPE: {"schema": {"type": "string"}}}, "description": "The metrics."},
        **error_responses(401, 403),
    },
)
async def metrics(
    request: Request,
    db: DatabaseDep,
    events: EventsIfRunningDep,
    providers: ProvidersIfRunningDep,
    caller: MaybeSignedIn,
) -> Response:
    state = request.app.state
    await service.check_access(db, caller, client_ip(request))
    clock: Clock = getattr(state, "clock", None) or Clock()
    body = await service.scrape(db, state.metrics, now=clock.now(), events=events, providers=providers)
    return Response(body, media_type=service.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
