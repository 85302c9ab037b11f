from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from mvidarr.auth.dependencies import Reader
from mvidarr.db import ReadsDep
from mvidarr.errors import error_responses
from mvidarr.search import service
from mvidarr.search import tasks as _tasks  # noqa: F401  (registers search.rebuild)
from mvidarr.search.schemas import SearchKind, SearchPage, Suggestions

router = APIRouter(tags=["search"])
SearchText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=200,
        description="Words to find, case- and accent-insensitively; each matches the start of a word "
        "('bjo arm' finds 'Björk: Army of Me'). At most eight words count.",
    ),
]


def _json(document: object) -> Response:
    return Response(content=orjson.dumps(document), media_type="application/json")


@router.get(
    "/search",
    response_model=SearchPage,
    summary="Search the library",
    description="Artists, videos and playlists (public ones, and the caller's own) matching every word, best "
    "first (BM25 on SQLite, ts_rank on PostgreSQL; words in names and titles weigh more than an artist's name "
    "on a video), with the matching spans. When "
    "nothing matches, near spellings are searched and `corrected` says so.",
    responses=error_responses(422),
)
async def search(
    caller: Reader,
    reads: ReadsDep,
    q: SearchText,
    kind: Annotated[list[SearchKind] | None, Query(description="Only these kinds.")] = None,
    page: Annotated[int, Query(ge=1, le=1000, description="1-based page number.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="Results per page (at most 100).")] = 20,
) -> Response:
    kinds = sorted({k.value for k in kind}) if kind else None
    return _json(
        await service.search(
            reads, reads.dialect.name, q, kinds=kinds, viewer=service.viewer_of(caller), page=page, page_size=page_size
        )
    )


@router.get(
    "/search/suggestions",
    response_model=Suggestions,
    summary="Suggest as the user types",
    description="The best few artists, videos and playlists for a search box, the last word matched as a prefix like "
    "the others; near spellings when nothing matches.",
    responses=error_responses(422),
)
async def suggestions(
    caller: Reader,
    reads: ReadsDep,
    q: SearchText,
    limit: Annotated[int, Query(ge=1, le=20, description="At most this many suggestions.")] = 8,
) -> Response:
    return _json(await service.suggest(reads, reads.dialect.name, q, viewer=service.viewer_of(caller), limit=limit))
