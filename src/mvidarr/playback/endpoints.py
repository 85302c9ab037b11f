from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from mvidarr.auth.dependencies import READONLY
from mvidarr.config import Settings, SettingsDep
from mvidarr.db import SessionDep
from mvidarr.errors import error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.media.ffmpeg import ffmpeg_binary
from mvidarr.playback import service
from mvidarr.playback.responses import file_response, remux_response
from mvidarr.playback.service import StreamMode

router = APIRouter(tags=["playback"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
_VIDEO_CONTENT: dict[str, dict[str, Any]] = {
    "video/mp4": {},
    "video/webm": {},
    "video/x-matroska": {},
    "application/octet-stream": {},
}


_DESCRIPTION = (
    "The video's current file. `mode=direct` sends the file with single HTTP ranges (206), `ETag`, "
    "`Last-Modified` and `If-Range`; `mode=remux` sends fragmented MP4 made by ffmpeg (copying what browsers "
    "play, converting the rest); `mode=auto` (default) remuxes only files browsers cannot play (e.g. AVI, WMV, "
    "FLV, MKV with HEVC or AC-3). A remuxed stream has no length (it is sent chunked), carries the file's duration "
    "in `X-Content-Duration`, and starts at `start` seconds. Malformed or multi-range headers get the whole file."
)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The whole file, or the remux.", "content": _VIDEO_CONTENT},
    206: {"description": "The requested byte range.", "content": _VIDEO_CONTENT},
    304: {"description": "Not modified (`If-None-Match`)."},
    **error_responses(404, 416, 422, 503),
}
ModeQuery = Annotated[StreamMode, Query(description="auto, direct or remux.")]
StartQuery = Annotated[
    float,
    Query(
        ge=0,
        le=86_400,
        description="Remuxed streams only: start this many seconds in (a player seeks by asking again). "
        "Direct streams seek with `Range` and ignore it.",
    ),
]


async def _stream(
    request: Request, settings: Settings, session: AsyncSession, video_id: int, mode: StreamMode, start_s: float
) -> Response:
    source = await service.find_source(session, video_id)
    if source.needs_remux(mode):
        return remux_response(
            source,
            method=request.method,
            ffmpeg=ffmpeg_binary(settings.ffmpeg_path),
            slots=request.app.state.transcode_slots,
            start_s=start_s,
        )
    headers = request.headers
    return file_response(
        source,
        method=request.method,
        range_header=headers.get("range"),
        if_range=headers.get("if-range"),
        if_none_match=headers.get("if-none-match"),
    )


@router.get(
    "/videos/{video_id}/stream",
    dependencies=[READONLY],
    response_class=Response,
    summary="Stream a video",
    description=_DESCRIPTION,
    responses=_RESPONSES,
)
async def stream_video(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    video_id: VideoIdPath,
    mode: ModeQuery = StreamMode.AUTO,
    start: StartQuery = 0.0,
) -> Response:
    return await _stream(request, settings, session, video_id, mode, start)


@router.head(
    "/videos/{video_id}/stream",
    dependencies=[READONLY],
    response_class=Response,
    summary="Stream headers",
    description="The headers `GET` would send (length, type, `ETag`, ranges), without the body.",
    responses=_RESPONSES,
)
async def stream_video_head(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    video_id: VideoIdPath,
    mode: ModeQuery = StreamMode.AUTO,
    start: StartQuery = 0.0,
) -> Response:
    return await _stream(request, settings, session, video_id, mode, start)
