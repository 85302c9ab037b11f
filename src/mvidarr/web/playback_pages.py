"""Playback pages: playlists, one playlist, MvTV (the continuous player) and the watch history
(the user's plays, continue watching and favourites; an admin also sees everyone's totals). Their
modules do the changes and the playing through the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from mvidarr.db import SessionDep
from mvidarr.errors import NotFound
from mvidarr.genres import service as genres_service
from mvidarr.kit.pagination import PageParams
from mvidarr.kit.params import MAX_ID
from mvidarr.models import Role, VideoKind, VideoStatus
from mvidarr.playlists import service as playlists_service
from mvidarr.state import ProgressDep
from mvidarr.videos.endpoints import QUALITY_LABELS
from mvidarr.watch import service as watch_service
from mvidarr.web.access import PageReader
from mvidarr.web.pages import PAGE_SIZES, Pager, Query, render, viewer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
DECADES = tuple(range(1950, 2030, 10))
MAX_SHOWN_ENTRIES = 500
CONTINUE_SHOWN = 12
FAVOURITES_SHOWN = 50


async def _choices(session: SessionDep) -> dict[str, Any]:
    genres = await genres_service.list_genres(session, None, PageParams(1, 500))
    return {
        "genres": [g.name for g in genres.items],
        "decades": DECADES,
        "all_kinds": tuple(k.value for k in VideoKind),
        "all_statuses": tuple(s.value for s in VideoStatus),
        "all_labels": QUALITY_LABELS,
    }


@router.get("/playlists")
async def playlists_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("playlists"))
    sort = query.sort(("name", "updated_at", "created_at"), "name")
    found = await playlists_service.list_playlists(
        session, principal, page, mine=None, smart=None, q=query.text("q") or None, sort=sort
    )
    return render(
        request,
        "playlists.html",
        user=user,
        page="playlists",
        playlists=found.items,
        pager=Pager(page.page, page.page_size, found.total),
        query=query,
        q=query.text("q"),
        page_sizes=PAGE_SIZES,
        **await _choices(session),
    )


@router.get("/playlists/{playlist_id}")
async def playlist_page(request: Request, session: SessionDep, principal: PageReader, playlist_id: IdPath) -> Response:
    user = await viewer(session, principal)
    try:
        playlist = await playlists_service.get_playlist(session, principal, playlist_id)
    except NotFound:
        detail = f"There is no playlist {playlist_id} you can see."
        return render(request, "error.html", user=user, page="error", status_code=404, title="Not found", detail=detail)
    entries = await playlists_service.entries(session, principal, playlist_id, PageParams(1, MAX_SHOWN_ENTRIES))
    return render(
        request,
        "playlist.html",
        user=user,
        page="playlist",
        playlist=playlist,
        entries=entries.items,
        total=entries.total,
        shown_limit=MAX_SHOWN_ENTRIES,
        **await _choices(session),
    )


@router.get("/mvtv")
async def mvtv_page(request: Request, session: SessionDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    playlists = await playlists_service.list_playlists(
        session, principal, PageParams(1, 500), mine=None, smart=None, q=None, sort="name"
    )
    return render(
        request,
        "mvtv.html",
        user=user,
        page="mvtv",
        playlists=playlists.items,
        **await _choices(session),
    )


@router.get("/history")
async def history_page(request: Request, session: SessionDep, progress: ProgressDep, principal: PageReader) -> Response:
    user = await viewer(session, principal)
    query = Query(request)
    page = query.page(user.page_sizes.get("history"))
    keeps_history = principal.at_least(Role.USER)  # readonly accounts record no plays
    history = await watch_service.history(session, progress, principal, page) if keeps_history else None
    return render(
        request,
        "history.html",
        user=user,
        page="history",
        keeps_history=keeps_history,
        history=history.items if history else [],
        pager=Pager(page.page, page.page_size, history.total if history else 0),
        resume=await watch_service.continue_watching(session, progress, principal, CONTINUE_SHOWN)
        if keeps_history
        else [],
        favourites=(await watch_service.favourites(session, principal, PageParams(1, FAVOURITES_SHOWN))).items
        if keeps_history
        else [],
        totals=await watch_service.totals(session) if principal.at_least(Role.ADMIN) else None,
        query=query,
        page_sizes=PAGE_SIZES,
    )
