from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from pydantic import ValidationError
from starlette.responses import FileResponse, Response

from mvidarr.artwork import service
from mvidarr.artwork.schemas import ArtworkCrop, ArtworkFromUrl, ArtworkPublic, CropBox
from mvidarr.artwork.service import Image
from mvidarr.auth.dependencies import MANAGER, READONLY
from mvidarr.db import SessionDep
from mvidarr.errors import CONFLICT, InvalidInput, error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import not_null
from mvidarr.media.thumbnails import ThumbnailSize
from mvidarr.state import DataDirDep

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
    data_dir: DataDirDep,
    session: SessionDep,
    video_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")],
    size: SizeQuery = ThumbnailSize.MEDIUM,
) -> Response:
    fmt = service.pick_format(request.headers.get("accept"))
    image = await service.video_thumbnail(session, data_dir, video_id, size, fmt)
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
    data_dir: DataDirDep,
    session: SessionDep,
    artist_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")],
    size: SizeQuery = ThumbnailSize.MEDIUM,
) -> Response:
    fmt = service.pick_format(request.headers.get("accept"))
    image = await service.artist_image(session, data_dir, artist_id, size, fmt)
    return _image_response(request, image)


@router.get(
    "/artists/{artist_id}/fanart",
    dependencies=[READONLY],
    response_class=Response,
    summary="An artist's fanart",
    description="The wide background picture a provider gave the artist (TheAudioDB), in three widths; 404 "
    "when it has none.",
    responses=_IMAGE_RESPONSES,
)
async def artist_fanart(
    request: Request,
    data_dir: DataDirDep,
    session: SessionDep,
    artist_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Artist id.")],
    size: SizeQuery = ThumbnailSize.LARGE,
) -> Response:
    fmt = service.pick_format(request.headers.get("accept"))
    image = await service.artist_fanart(session, data_dir, artist_id, size, fmt)
    return _image_response(request, image)


UPLOAD_PATH = re.compile(r"^/api/v1/(videos|artists)/[0-9]+/artwork$")
UPLOAD_BODY_LIMIT = service.MAX_UPLOAD_BYTES + 64 * 1024
"""Body cap for the upload routes (the picture plus multipart framing); others keep the JSON cap."""
_WRITE_RESPONSES = error_responses(400, 404, 413, 422)


def _crop_form(
    crop_x: float | None, crop_y: float | None, crop_width: float | None, crop_height: float | None
) -> CropBox | None:
    parts = (crop_x, crop_y, crop_width, crop_height)
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        raise InvalidInput(
            "send all of crop_x, crop_y, crop_width and crop_height, or none", loc=("body", "crop_x"), type_=CONFLICT
        )
    try:
        return CropBox(x=crop_x, y=crop_y, width=crop_width, height=crop_height)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InvalidInput(str(exc.errors()[0]["msg"]), loc=("body", "crop_x"), type_=CONFLICT) from None


OwnerIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video or artist id.")]
CropField = Annotated[float | None, Form(ge=0, le=1, description="Crop box edge, 0..1.", json_schema_extra=not_null)]
CropSizeField = Annotated[
    float | None, Form(ge=0.01, le=1, description="Crop box size, 0.01..1.", json_schema_extra=not_null)
]
UploadField = Annotated[UploadFile, File(description="A JPEG, PNG or WebP picture (at most 20 MiB).")]


async def _read(file: UploadFile) -> bytes:
    data = await file.read(service.MAX_UPLOAD_BYTES + 1)
    if len(data) > service.MAX_UPLOAD_BYTES:
        raise service.ArtworkTooLarge()
    return data


def _add_artwork_routes(kind: service.OwnerKind) -> None:
    """The upload, from-URL and crop routes of one owner kind, on `router` (no nested router:
    the app lists every route at its top level, see app.py)."""
    base = f"/{kind}s/{{owner_id}}/artwork"

    @router.post(
        base,
        dependencies=[MANAGER],
        response_model=ArtworkPublic,
        summary=f"Upload a {kind}'s artwork",
        description="Multipart upload of a picture, with an optional crop box (fractions of the picture). "
        "The picture is decoded to prove it is one, then re-encoded in every size without its metadata.",
        responses=_WRITE_RESPONSES,
        name=f"upload_{kind}_artwork",
    )
    async def upload(
        data_dir: DataDirDep,
        session: SessionDep,
        owner_id: OwnerIdPath,
        file: UploadField,
        crop_x: CropField = None,
        crop_y: CropField = None,
        crop_width: CropSizeField = None,
        crop_height: CropSizeField = None,
    ) -> ArtworkPublic:
        box = _crop_form(crop_x, crop_y, crop_width, crop_height)
        data = await _read(file)
        return await service.upload(session, data_dir, kind, owner_id, data, box)

    @router.post(
        f"{base}/url",
        dependencies=[MANAGER],
        response_model=ArtworkPublic,
        summary=f"Set a {kind}'s artwork from a URL",
        description="Fetches the picture through the guarded fetcher (http/https only; private, loopback and "
        "link-local addresses refused unless listed in `network.allowed_private_hosts`; redirects checked again; "
        "size and time limits), then stores it as an upload is.",
        responses=error_responses(400, 404, 422, 502),
        name=f"{kind}_artwork_from_url",
    )
    async def from_url(
        data_dir: DataDirDep, session: SessionDep, owner_id: OwnerIdPath, body: ArtworkFromUrl
    ) -> ArtworkPublic:
        return await service.from_url(session, data_dir, kind, owner_id, body)

    @router.post(
        f"{base}/crop",
        dependencies=[MANAGER],
        response_model=ArtworkPublic,
        summary=f"Crop a {kind}'s artwork",
        description="Crops uploaded or fetched artwork again from the source picture kept beside it.",
        responses=error_responses(400, 404, 409, 422),
        name=f"crop_{kind}_artwork",
    )
    async def crop(
        data_dir: DataDirDep, session: SessionDep, owner_id: OwnerIdPath, body: ArtworkCrop
    ) -> ArtworkPublic:
        return await service.recrop(session, data_dir, kind, owner_id, body.crop)


_add_artwork_routes("video")
_add_artwork_routes("artist")
