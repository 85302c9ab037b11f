"""Subtitle routes: a video's sidecar subtitles, listed and served as WebVTT."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from mvidarr.auth.dependencies import READONLY
from mvidarr.db import SessionDep
from mvidarr.errors import NotFound, error_responses
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Schema
from mvidarr.playback import service
from mvidarr.playback.subtitles import TRACK_PATTERN, Sidecar, SubtitleTooLarge, find_sidecars, read_as_vtt

router = APIRouter(tags=["playback"])
VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Video id.")]
TrackPath = Annotated[str, Path(pattern=TRACK_PATTERN, description="The track, as the list names it (e.g. `en.srt`).")]


class SubtitleTrack(Schema):
    track: str
    language: str | None
    label: str
    format: str
    url: str


async def _sidecars(session: SessionDep, video_id: int) -> list[Sidecar]:
    source = await service.find_source(session, video_id)
    return await asyncio.to_thread(find_sidecars, source.path)


@router.get(
    "/videos/{video_id}/subtitles",
    dependencies=[READONLY],
    response_model=list[SubtitleTrack],
    summary="List a video's subtitles",
    description="Subtitle files beside the video's file (`.srt`, `.vtt`, with a language such as `.en.srt`), "
    "each with the URL that serves it as WebVTT.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_subtitles(session: SessionDep, video_id: VideoIdPath) -> list[SubtitleTrack]:
    return [
        SubtitleTrack(
            track=s.track, language=s.language, label=s.label, format=s.format,
            url=f"/api/v1/videos/{video_id}/subtitles/{s.track}",
        )
        for s in await _sidecars(session, video_id)
    ]  # fmt: skip


@router.get(
    "/videos/{video_id}/subtitles/{track}",
    dependencies=[READONLY],
    response_class=Response,
    summary="A subtitle track as WebVTT",
    description="The subtitle file as `text/vtt` (SubRip converted), for a `<track>` element.",
    responses={
        200: {"content": {"text/vtt": {"schema": {"type": "string"}}}, "description": "WebVTT."},
        **error_responses(401, 403, 404, 422),
    },
)
async def get_subtitle(session: SessionDep, video_id: VideoIdPath, track: TrackPath) -> Response:
    sidecar = next((s for s in await _sidecars(session, video_id) if s.track == track), None)
    if sidecar is None:
        raise NotFound(f"video {video_id} has no subtitle track {track!r}")
    try:
        text = await asyncio.to_thread(read_as_vtt, sidecar)
    except SubtitleTooLarge:
        raise NotFound(f"subtitle track {track!r} cannot be served: it is larger than 5 MiB") from None
    except OSError as exc:
        raise NotFound(f"subtitle track {track!r} cannot be read ({exc.strerror})") from None
    return Response(text, media_type="text/vtt; charset=utf-8", headers={"Cache-Control": "private, no-cache"})
