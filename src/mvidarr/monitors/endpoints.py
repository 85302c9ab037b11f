from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from mvidarr.auth.dependencies import MANAGER, Manager
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import service as jobs
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.monitors import service
from mvidarr.monitors import tasks as _tasks  # noqa: F401  (registers the monitor job types)
from mvidarr.monitors.schemas import MonitorCreate, MonitorItemPublic, MonitorPublic, MonitorUpdate
from mvidarr.network.dependencies import PolicyDep
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/monitors", tags=["monitors"])
MonitorIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Monitor id.")]


@router.get(
    "",
    dependencies=[MANAGER],
    response_model=Page[MonitorPublic],
    summary="List monitors",
    description="YouTube channel and playlist monitors, oldest first.",
    responses=error_responses(422),
)
async def list_monitors(session: SessionDep, page: PageDep) -> Page[MonitorPublic]:
    return await service.list_monitors(session, page)


@router.post(
    "",
    dependencies=[MANAGER],
    response_model=MonitorPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a monitor",
    description="Watches a channel, playlist or feed URL; each check adds its new items as wanted videos. A URL "
    "whose host is private, loopback or link-local is refused by the network policy (422) unless the "
    "`network.allowed_private_hosts` setting lists it; each check fetches through the same policy, "
    "redirects included.",
    responses=error_responses(422),
)
async def create_monitor(session: SessionDep, policy: PolicyDep, body: MonitorCreate) -> MonitorPublic:
    return await service.create_monitor(session, body, policy)


@router.get(
    "/{monitor_id}",
    dependencies=[MANAGER],
    response_model=MonitorPublic,
    summary="Get a monitor",
    description="One monitor with its last check.",
    responses=error_responses(404, 422),
)
async def get_monitor(session: SessionDep, monitor_id: MonitorIdPath) -> MonitorPublic:
    return await service.read_monitor(session, monitor_id)


@router.patch(
    "/{monitor_id}",
    dependencies=[MANAGER],
    response_model=MonitorPublic,
    summary="Change a monitor",
    description="Only the fields sent are changed; `filters: null` returns to the artist's filters. A new `url` "
    "is checked against the network policy as on creation (422 when refused).",
    responses=error_responses(404, 422),
)
async def update_monitor(
    session: SessionDep, policy: PolicyDep, monitor_id: MonitorIdPath, body: MonitorUpdate
) -> MonitorPublic:
    return await service.update_monitor(session, monitor_id, body, policy)


@router.delete(
    "/{monitor_id}",
    dependencies=[MANAGER],
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Remove a monitor",
    description="Forgets the monitor and the items it saw; the videos it added stay.",
    responses=error_responses(404, 422),
)
async def delete_monitor(session: SessionDep, monitor_id: MonitorIdPath) -> None:
    await service.delete_monitor(session, monitor_id)


@router.get(
    "/{monitor_id}/items",
    dependencies=[MANAGER],
    response_model=Page[MonitorItemPublic],
    summary="List a monitor's items",
    description="Every item the monitor has seen, newest first, with what was done with it.",
    responses=error_responses(404, 422),
)
async def list_items(session: SessionDep, page: PageDep, monitor_id: MonitorIdPath) -> Page[MonitorItemPublic]:
    return await service.list_items(session, monitor_id, page)


@router.post(
    "/{monitor_id}/check",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Check a monitor now",
    description="Starts a `monitor.check` job; a check of the same monitor already queued or running is answered.",
    responses=error_responses(404, 422),
)
async def check_monitor(
    session: SessionDep, manager: Manager, events: EventsDep, clock: ClockDep, monitor_id: MonitorIdPath
) -> JobPublic:
    job = await service.start_check(session, events, clock, monitor_id, manager.user_id)
    return jobs.public(job)
