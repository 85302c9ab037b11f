from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from mvidarr.auth.dependencies import Admin, Manager, Member, Reader
from mvidarr.auth.guard import Principal
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.jobs import schedules, service
from mvidarr.jobs import tasks as _builtin_tasks  # noqa: F401  (registers the built-in job types)
from mvidarr.jobs.repository import JobFilter
from mvidarr.jobs.schemas import (
    JobCreate,
    JobLogPublic,
    JobPublic,
    JobStats,
    JobTypePublic,
    ScheduleCreate,
    SchedulePublic,
    ScheduleUpdate,
)
from mvidarr.kit.pagination import Page, PageDep
from mvidarr.kit.params import MAX_ID
from mvidarr.models import JobStatus
from mvidarr.models.user import Role
from mvidarr.state import ClockDep, EventsDep

router = APIRouter(prefix="/jobs", tags=["jobs"])
schedules_router = APIRouter(prefix="/schedules", tags=["schedules"])
JobIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Job id.")]
ScheduleIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Schedule id.")]


def _is_admin(principal: Principal) -> bool:
    return principal.role.at_least(Role.ADMIN)


def _actor(principal: Principal) -> service.Actor:
    return service.Actor(user_id=principal.user_id, role=principal.role)


@router.get(
    "",
    response_model=Page[JobPublic],
    summary="List jobs",
    description="Jobs newest first; filter by status (repeatable), type, parent and creator. "
    "`top_level=true` hides child jobs of bulk work. Managers and admins see every job; other users see "
    "the jobs they started and system jobs of types that are not admin-only.",
    responses=error_responses(401, 403, 422),
)
async def list_jobs(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status_: Annotated[
        list[JobStatus] | None, Query(alias="status", max_length=5, description="Only these statuses.")
    ] = None,
    type_: Annotated[str | None, Query(alias="type", max_length=100, description="Only this job type.")] = None,
    parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only children of this job.")] = None,
    created_by: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only jobs this user started.")] = None,
    top_level: Annotated[bool, Query(description="Only jobs without a parent.")] = False,
) -> Page[JobPublic]:
    flt = JobFilter(
        status=tuple(status_ or ()),
        type=type_,
        parent_id=parent_id,
        created_by=created_by,
        top_level=top_level,
        visible=service.visibility(_actor(principal)),
    )
    return await service.list_jobs(session, flt, page, with_detail=_is_admin(principal))


@router.post(
    "",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a job",
    description="Queues a job of a registered type; `params` are validated against the type's schema "
    "(see `GET /jobs/types`). A type that de-duplicates answers the identical active job instead.",
    responses=error_responses(401, 403, 400, 404, 413, 422),
)
async def create_job(
    session: SessionDep, principal: Member, events: EventsDep, clock: ClockDep, body: JobCreate
) -> JobPublic:
    service.check_may_start(body.type, principal.role)
    job, _created = await service.enqueue(
        session, events, body.type, body.params, priority=body.priority, created_by=principal.user_id, clock=clock
    )
    return service.public(job, with_detail=_is_admin(principal))


@router.get(
    "/types",
    response_model=list[JobTypePublic],
    summary="List job types",
    description="Every registered job type with its params JSON schema, defaults, limits and required role.",
    responses=error_responses(401, 403),
)
async def list_job_types(_principal: Reader) -> list[JobTypePublic]:
    return service.list_types()


@router.get(
    "/stats",
    response_model=JobStats,
    summary="Job statistics",
    description="Jobs in the database by type and status, and this process's counters "
    "(enqueued, started, finished, failures, wait and run time histograms).",
    responses=error_responses(401, 403),
)
async def job_stats(session: SessionDep, _principal: Reader) -> JobStats:
    return await service.stats(session)


@router.get(
    "/{job_id}",
    response_model=JobPublic,
    summary="Get a job",
    description="One job with its progress, result or error; 404 for a job you may not see (see the list).",
    responses=error_responses(401, 403, 404, 422),
)
async def get_job(session: SessionDep, principal: Reader, job_id: JobIdPath) -> JobPublic:
    job = await service.get_visible_job(session, job_id, _actor(principal))
    return service.public(job, with_detail=_is_admin(principal))


@router.get(
    "/{job_id}/logs",
    response_model=Page[JobLogPublic],
    summary="Get a job's log",
    description="The lines the job wrote, oldest first, paginated.",
    responses=error_responses(401, 403, 404, 422),
)
async def get_job_logs(session: SessionDep, principal: Reader, page: PageDep, job_id: JobIdPath) -> Page[JobLogPublic]:
    return await service.job_logs(session, job_id, page, viewer=_actor(principal))


@router.post(
    "/{job_id}/cancel",
    response_model=JobPublic,
    summary="Cancel a job",
    description="A queued job is cancelled at once; a running one is asked to stop (its task is cancelled "
    "after a grace period), and its child jobs with it. A finished job answers 409.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def cancel_job(
    session: SessionDep, principal: Member, events: EventsDep, clock: ClockDep, job_id: JobIdPath
) -> JobPublic:
    job = await service.cancel_job(session, events, job_id, actor=_actor(principal), clock=clock)
    return service.public(job, with_detail=_is_admin(principal))


@router.post(
    "/{job_id}/retry",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Retry a job",
    description="Queues a failed or cancelled job again with fresh attempts. Any other status answers 409.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def retry_job(
    session: SessionDep, principal: Member, events: EventsDep, clock: ClockDep, job_id: JobIdPath
) -> JobPublic:
    job = await service.retry_job(session, events, job_id, actor=_actor(principal), clock=clock)
    return service.public(job, with_detail=_is_admin(principal))


@schedules_router.get(
    "",
    response_model=list[SchedulePublic],
    summary="List schedules",
    description="Periodic jobs, by name, with their last and next run.",
    responses=error_responses(401, 403),
)
async def list_schedules(session: SessionDep, _principal: Manager) -> list[SchedulePublic]:
    return await schedules.list_schedules(session)


@schedules_router.post(
    "",
    response_model=SchedulePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a schedule",
    description="Runs a job type periodically, by `interval_s` or by a five-field `cron` expression (UTC).",
    responses=error_responses(401, 403, 400, 404, 409, 413, 422),
)
async def create_schedule(
    session: SessionDep, _principal: Admin, clock: ClockDep, body: ScheduleCreate
) -> SchedulePublic:
    return await schedules.create_schedule(session, body, clock)


@schedules_router.get(
    "/{schedule_id}",
    response_model=SchedulePublic,
    summary="Get a schedule",
    description="One schedule.",
    responses=error_responses(401, 403, 404, 422),
)
async def get_schedule(session: SessionDep, _principal: Manager, schedule_id: ScheduleIdPath) -> SchedulePublic:
    return SchedulePublic.model_validate(await schedules.get_schedule(session, schedule_id))


@schedules_router.patch(
    "/{schedule_id}",
    response_model=SchedulePublic,
    summary="Update a schedule",
    description="Changes the fields sent; `enabled` turns it on or off. A new interval or cron sets the next run.",
    responses=error_responses(401, 403, 400, 404, 409, 413, 422),
)
async def update_schedule(
    session: SessionDep, _principal: Admin, clock: ClockDep, schedule_id: ScheduleIdPath, body: ScheduleUpdate
) -> SchedulePublic:
    return await schedules.update_schedule(session, schedule_id, body, clock)


@schedules_router.delete(
    "/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    summary="Delete a schedule",
    description="Deletes a schedule you created; shipped schedules answer 409 (disable them instead).",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def delete_schedule(session: SessionDep, _principal: Admin, schedule_id: ScheduleIdPath) -> None:
    await schedules.delete_schedule(session, schedule_id)


@schedules_router.post(
    "/{schedule_id}/run",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a schedule now",
    description="Starts the schedule's job at once (its next regular run is unchanged). Schedules are an "
    "admin's to change and run; managers start jobs with `POST /jobs`.",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def run_schedule(
    session: SessionDep, principal: Admin, events: EventsDep, clock: ClockDep, schedule_id: ScheduleIdPath
) -> JobPublic:
    job = await schedules.run_now(session, events, schedule_id, clock, actor=_actor(principal))
    return service.public(job, with_detail=_is_admin(principal))
