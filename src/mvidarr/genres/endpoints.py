from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mvidarr.auth.dependencies import READONLY
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.genres import service
from mvidarr.genres.schemas import GenrePublic
from mvidarr.kit.pagination import Page, PageDep

router = APIRouter(prefix="/genres", tags=["genres"])


@router.get(
    "",
    dependencies=[READONLY],
    response_model=Page[GenrePublic],
    summary="List genres",
    description="Genres in the library with how many artists and videos carry each, sorted by name.",
    responses=error_responses(422),
)
async def list_genres(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100, description="Substring of the genre name.")] = None,
) -> Page[GenrePublic]:
    return await service.list_genres(session, q, page)
