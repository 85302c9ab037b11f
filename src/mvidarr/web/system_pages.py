"""Activity (jobs and downloads), one job, the audit log for admins and System (health, about)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from mvidarr.audit import service as audit_service
from mvidarr.blocklist import service as blocklist_service
from mvidarr.db import SessionDep
from mvidarr.downloads import service as downloads_service
from mvidarr.downloads import updates as ytdlp_updates
from mvidarr.errors import NotFound
from mvidarr.jobs import service as jobs_service
from mvidarr.jobs.repository import JobFilter
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.models.job import ACTIVE_STATUSES, TERMINAL_STATUSES
from mvidarr.system import about as system_about
from mvidarr.system import service as system_service
from mvidarr.web.access import (
    PageAdmin,
    PageReader,
)
from mvidarr.web.pages import (
    PAGE_SIZES,
    Pager,
    Query,
    json_list,
    not_found,
    render,
    viewer,
)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/activity")
async def activity_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    visible = jobs_service.visibility(actor)
    query = Query(request)
    page = query.page(user.page_sizes.get("activity"))
    active = JobFilter(status=ACTIVE_STATUSES, top_level=True, visible=visible)
    queue = await jobs_service.list_jobs(session, active, PageParams(1, 200), with_detail=False)
    history = await jobs_service.list_jobs(
        session, JobFilter(status=TERMINAL_STATUSES, top_level=True, visible=visible), page, with_detail=False
    )
    downloads = await downloads_service.queue(session, PageParams(1, 100), with_detail=False)
    finished = await downloads_service.history(session, PageParams(1, 25), video_id=None, outcome=None)
    blocked = await blocklist_service.list_entries(session, PageParams(1, 100), video_id=None)
    return render(
        request,
        "activity.html",
        user=user,
        page="activity",
        downloads=downloads.items,
        download_history=finished.items,
        download_history_total=finished.total,
        blocklist=blocked.items,
        blocklist_total=blocked.total,
        queue=queue.items,
        history=history.items,
        # Job and download rows have one renderer, the page script's (jobs.js, activity.js), which keeps
        # them live: the first paint's rows travel as JSON in the tables' data- attributes.
        queue_json=json_list(queue.items),
        downloads_json=json_list(downloads.items),
        history_json=json_list(history.items),
        pager=Pager(page.page, page.page_size, history.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/activity/jobs/{job_id}")
async def job_page(request: Request, session: SessionDep, principal: PageReader, job_id: IdPath) -> Response:
    """One job: what it was asked, how it went, why it failed (the traceback for admins) and its log."""
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    try:
        job = await jobs_service.get_visible_job(session, job_id, actor)
    except NotFound:
        return not_found(request, user, f"There is no job {job_id}.")
    logs = await jobs_service.job_logs(session, job_id, PageParams(1, 500), viewer=actor)
    return render(
        request,
        "job.html",
        user=user,
        page="job",
        job=jobs_service.public(job, with_detail=user.is_admin),
        logs=logs.items,
        logs_total=logs.total,
    )


AUDIT_ACTION = re.compile(r"^[a-z_.]{1,64}$")


@router.get("/audit")
async def audit_page(request: Request, session: SessionDep, principal: PageAdmin) -> Response:
    """The audit log for admins: who did what, when and from where; filtered by action."""
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("audit"))
    action = query.text("action", 64)
    found = await audit_service.list_events(
        session, page, user_id=None, action=action if AUDIT_ACTION.match(action) else None, since=None, until=None
    )
    return render(
        request,
        "audit.html",
        user=user,
        page="audit",
        events=found.items,
        action=action,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/system")
async def system_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    actor = jobs_service.Actor(user_id=principal.user_id, role=principal.role)
    recent = await jobs_service.list_jobs(
        session, JobFilter(top_level=True, visible=jobs_service.visibility(actor)), PageParams(1, 20), with_detail=False
    )
    state = request.app.state
    health = await system_service.readiness(state.db, state.settings)
    about = await system_about.about(state.db, state.settings) if user.is_admin else None
    ytdlp = None
    if about is not None:
        python = state.settings.ytdlp_python
        installed = await ytdlp_updates.installed_version(python) if python else about.yt_dlp
        ytdlp = await downloads_service.ytdlp_status(session, installed)
    return render(
        request,
        "system.html",
        user=user,
        page="system",
        health=health,
        about=about,
        ytdlp=ytdlp,
        jobs=recent.items,
        job_types=jobs_service.list_types(),
    )
