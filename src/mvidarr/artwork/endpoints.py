from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import FileResponse, Response

from mvidarr.artwork import service
from mvidarr.artwork.service import Image
from mvidarr.auth.dependencies import READONLY
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.media.thumbnails import ThumbnailSize

router = APIRouter(tags=["artwork"])
SizeQuery = Annotated[ThumbnailSize, Query(description="small (320 px), medium (640 px) or large (1280 px) wide.")]
_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The image (WebP when accepted, else JPEG).", "content": {"image/webp": {}, "image/jpeg": {}}},
    304: {"description": "Not modified (`If-None-Match`)."},
    **error_responses(404, 422),
}
# Thumbnails are rewritten under new names only when the picture changes, so caches may keep them long.
_CACHE = "private, max-age=604800"


def _image_response(request: Request, image: Image) -> Response:
    headers = {"ETag": image.etag, "Cache-Control": _CACHE, "Vary": "Accept"}
    if request.headers.get("if-none-match") == image.etag:
        return Response(status_code=304, headers=headers)
    return FileResponse(image.path, media_type=image.media_type, headers=headers)


@router.get(
    "/videos/{video_id}/thumbnail",
    dependencies=[READONLY],
    response_class=Response,
    summary="A video's thumbnail",
    description="The frame grabbed at scan time, in three widths; WebP when the `Accept` header allows it.",
    responses=_IMAGE_RESPONSES,
)
async def video_thumbnail(
    request: Request,
    session: SessionDep,
    video_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")],
    size: SizeQuery = ThumbnailSize.MEDIUM,
) -> Response:
    fmt = service.pick_format(request.headers.get("accept"))
    image = await service.video_thumbnail(session, request.app.state.settings.data_dir, video_id, size, fmt)
    return _image_response(request, image)


@router.get(
    "/artists/{artist_id}/image",
    dependencies=[READONLY],
    response_class=Response,
    summary="An artist's image",
    description="The artist's own image, or else the thumbnail of one of its videos.",
    responses=_IMAGE_RESPONSES,
)
async def artist_image(
    request: Request,
    session: SessionDep,
    artist_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")],
    size: SizeQuery = ThumbnailSize.MEDIUM,
) -> Response:
    fmt = service.pick_format(request.headers.get("accept"))
    image = await service.artist_image(session, request.app.state.settings.data_dir, artist_id, size, fmt)
    return _image_response(request, image)
