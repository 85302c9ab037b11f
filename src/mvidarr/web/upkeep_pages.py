"""Keeping the library tidy: unmatched files, metadata review, the trash and duplicates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from mvidarr.db import SessionDep
from mvidarr.kit.params import MAX_ID
from mvidarr.library import duplicates as library_duplicates
from mvidarr.library import files as library_files
from mvidarr.library.files import UNMATCHED_SORTABLE
from mvidarr.metadata import service as metadata_service
from mvidarr.trash import service as trash_service
from mvidarr.web.access import (
    PageManager,
    PageReader,
)
from mvidarr.web.pages import PAGE_SIZES, Pager, Query, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

REVIEW_KINDS = ("video", "artist")
UNMATCHED_SORTS = tuple(UNMATCHED_SORTABLE)


@router.get("/unmatched")
async def unmatched_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    sort = query.sort(UNMATCHED_SORTS, "path")
    page = query.page(user.page_sizes.get("unmatched"))
    found = await library_files.list_unmatched(session, page, root_folder_id=None, sort=sort)
    return render(
        request,
        "unmatched.html",
        user=user,
        page="unmatched",
        files=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        sort=sort,
        page_sizes=PAGE_SIZES,
    )


@router.get("/metadata/review")
async def review_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    kind = (query.choices("kind", REVIEW_KINDS) or [""])[0]
    page = query.page(user.page_sizes.get("review"))
    found = await metadata_service.review_list(session, kind or None, page)
    return render(
        request,
        "review.html",
        user=user,
        page="review",
        reviews=found.items,
        kind=kind,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/trash")
async def trash_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("trash"))
    found = await trash_service.list_entries(session, page, root_folder_id=None)
    return render(
        request,
        "trash.html",
        user=user,
        page="trash",
        entries=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )


@router.get("/duplicates")
async def duplicates_page(request: Request, session: SessionDep, principal: PageManager) -> Response:
    """Groups of videos that are the same, each merged into one from the page."""
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("duplicates") or 25)
    found = await library_duplicates.list_groups(session, page)
    return render(
        request,
        "duplicates.html",
        user=user,
        page="duplicates",
        groups=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        page_sizes=PAGE_SIZES,
    )
