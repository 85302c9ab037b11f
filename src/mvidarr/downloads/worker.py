"""The download subprocess: `python -m mvidarr.downloads.worker` runs yt-dlp for one request.

The request arrives as one JSON document on stdin; everything the parent needs comes back as JSON
lines on stdout (`progress`, `phase`, `log`, then `done`, `info` or `error`). The process leads its
own process group (ffmpeg merges run inside it), so the parent cancels by killing the group. When
the parent dies (kill -9 of a worker), stdin reaches EOF and the group kills itself: no orphaned
transfer keeps writing into the temp folder. The lines are written by `downloads.worker_events`; a
failure's kind is named by `downloads.failures`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import threading
from typing import Any

from mvidarr.downloads.failures import POLICY_REFUSAL, classify, retry_after
from mvidarr.downloads.worker_events import Logger, Progress, emit, postprocessor_hook

FORMAT_FIELDS = ("format_id", "ext", "width", "height", "fps", "vcodec", "acodec", "tbr", "filesize", "protocol")
INFO_FIELDS = (
    "id",
    "title",
    "uploader",
    "channel",
    "duration",
    "webpage_url",
    "extractor_key",
    "format_id",
    "width",
    "height",
    "vcodec",
    "acodec",
    "ext",
    "thumbnail",
    "view_count",
)


# Protocols whose every transfer goes through the guarded proxy (yt-dlp's own HTTP downloaders);
# others (rtmp, rtsp, mms, websockets, live streams handed to ffmpeg) could leave it: refused.
PROXIED_PROTOCOLS = frozenset(
    {"http", "https", "m3u8_native", "http_dash_segments", "http_dash_segments_generator", "ism", "mhtml"}
)


def _options(request: dict[str, Any], progress: Progress | None) -> dict[str, Any]:
    folder = request.get("folder") or "."
    options: dict[str, Any] = {
        "logger": Logger(),
        "quiet": True,
        "noprogress": True,
        "noplaylist": True,
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "retries": int(request.get("retries", 3)),
        "fragment_retries": int(request.get("retries", 3)),
        "socket_timeout": float(request.get("socket_timeout", 20.0)),
        "paths": {"home": folder, "temp": folder},
        "outtmpl": {"default": "media.%(ext)s"},
        "overwrites": True,
        "continuedl": False,
        "cachedir": False,
        "check_formats": False,
        # Every connection through the parent's guarded proxy; HLS with yt-dlp's own downloader (via
        # the proxy), never ffmpeg's network code.
        "proxy": request.get("proxy"),
        "hls_prefer_native": True,
        "external_downloader": {"default": "native"},
        "enable_file_urls": False,
    }
    if request.get("format"):
        options["format"] = request["format"]
    if request.get("format_sort"):
        options["format_sort"] = request["format_sort"]
    if request.get("merge_format"):
        options["merge_output_format"] = request["merge_format"]
    if request.get("ffmpeg"):
        options["ffmpeg_location"] = request["ffmpeg"]
    if request.get("rate_limit"):
        options["ratelimit"] = int(request["rate_limit"])
    if request.get("cookies"):
        options["cookiefile"] = request["cookies"]
    if request.get("po_token"):
        options["extractor_args"] = {"youtube": {"po_token": [str(request["po_token"])]}}
    if request.get("http_chunk_size"):
        options["http_chunk_size"] = int(request["http_chunk_size"])
    if request.get("subtitles"):
        options.update(
            writesubtitles=True,
            subtitleslangs=list(request.get("subtitle_languages") or ["en"]),
            subtitlesformat="srt/vtt/best",
        )
    if request.get("thumbnail"):
        options["writethumbnail"] = True
    if progress is not None:
        options["progress_hooks"] = [progress.hook]
        options["postprocessor_hooks"] = [postprocessor_hook]
    return options


def _add_postprocessors(ydl: Any, request: dict[str, Any]) -> None:
    """SponsorBlock (yt-dlp's own, as its --sponsorblock-remove/--sponsorblock-mark build it: segments fetched
    after the format is chosen, cut or kept as chapters) and the metadata, in the order yt-dlp needs."""
    from yt_dlp.postprocessor import FFmpegMetadataPP, SponsorBlockPP

    sponsorblock = request.get("sponsorblock") or None
    if sponsorblock:
        categories = set(sponsorblock.get("categories") or [])
        ydl.add_post_processor(
            SponsorBlockPP(ydl, categories=categories, api=sponsorblock.get("api") or "https://sponsor.ajay.app"),
            when="after_filter",
        )
        ydl.add_post_processor(
            _modify_chapters()(
                ydl,
                remove_sponsor_segments=categories if sponsorblock.get("mode") == "cut" else set(),
                sponsorblock_chapter_title="[SponsorBlock]: %(category_names)l",
                force_keyframes=False,
            ),
            when="post_process",
        )
    if request.get("embed_metadata") or sponsorblock:
        ydl.add_post_processor(
            FFmpegMetadataPP(ydl, add_metadata=bool(request.get("embed_metadata")), add_chapters=bool(sponsorblock)),
            when="post_process",
        )


def _modify_chapters() -> Any:
    """yt-dlp's ModifyChapters, its file duration read with PyAV: MVidarr ships FFmpeg without ffprobe (it
    comes with PyAV and imageio-ffmpeg), and yt-dlp reads the duration with ffprobe. The override is pinned
    by tests/downloads/test_sponsorblock.py (a cut fails with "ffprobe not found" if it stops applying)."""
    from yt_dlp.postprocessor.common import PostProcessingError
    from yt_dlp.postprocessor.modify_chapters import ModifyChaptersPP

    class ModifyChapters(ModifyChaptersPP):  # type: ignore[misc]
        def _get_real_video_duration(self, filepath: str, fatal: bool = True) -> float | None:
            import av

            try:
                with av.open(filepath) as container:
                    duration = container.duration / 1_000_000 if container.duration else None
            except (OSError, av.FFmpegError):
                duration = None
            if duration:
                return float(duration)
            if fatal:
                raise PostProcessingError(f"Unable to determine video duration of {filepath}")
            return None

    return ModifyChapters


def _summary(info: dict[str, Any]) -> dict[str, Any]:
    summary = {key: info.get(key) for key in INFO_FIELDS}
    formats = info.get("formats") or []
    summary["formats"] = [{key: f.get(key) for key in FORMAT_FIELDS} for f in formats]
    requested = info.get("requested_formats")
    if requested:
        summary["requested_formats"] = [{key: f.get(key) for key in FORMAT_FIELDS} for f in requested]
    return summary


def _private_cookies(request: dict[str, Any]) -> None:
    """yt-dlp rewrites its cookie file when it closes: hand it a private copy in the download's folder,
    so the stored file is never rewritten, shared by two downloads, or truncated by a kill."""
    source, folder = request.get("cookies"), request.get("folder")
    if not source:
        return
    if not folder:
        request["cookies"] = None
        return
    copy = os.path.join(folder, ".cookies.txt")
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as stored:
        shutil.copyfileobj(stored, out)
    request["cookies"] = copy


def _guarded_downloader(yt_dlp: Any) -> Any:
    """YoutubeDL that refuses to transfer over a protocol whose connections would not use the proxy."""

    class Guarded(yt_dlp.YoutubeDL):  # type: ignore[misc]
        def dl(self, name: str, info: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            protocols = set(str(info.get("protocol") or "http").split("+"))
            if not protocols <= PROXIED_PROTOCOLS or info.get("is_live"):
                what = "a live stream" if info.get("is_live") else "+".join(sorted(protocols))
                raise yt_dlp.utils.DownloadError(
                    f"{what} is {POLICY_REFUSAL}: only HTTP(S) transfers through MVidarr's guarded proxy are made"
                )
            return super().dl(name, info, *args, **kwargs)

    return Guarded


def run(request: dict[str, Any]) -> int:
    import yt_dlp

    if not request.get("proxy"):
        emit("error", kind="refused", message=f"no guarded proxy was given: {POLICY_REFUSAL}")
        return 2

    mode = request.get("mode", "download")
    _private_cookies(request)
    progress = Progress(float(request.get("progress_every_s", 0.2))) if mode == "download" else None
    try:
        with _guarded_downloader(yt_dlp)(_options(request, progress)) as ydl:
            _add_postprocessors(ydl, request)
            info = ydl.extract_info(request["url"], download=mode == "download")
            if info is None:
                emit("error", kind="not_media", message="yt-dlp found nothing to download")
                return 2
            info = ydl.sanitize_info(info)
    except Exception as exc:  # yt-dlp's errors: the parent decides what each means
        message = re.sub(r"^ERROR:\s*", "", str(exc)).strip() or type(exc).__name__
        kind = classify(message)
        if Logger.po_token_warned and kind in ("not_media", "unavailable", "error"):
            kind = "po_token"
        emit("error", kind=kind, message=message[:2000], retry_after_s=retry_after(exc))
        return 2
    if mode != "download":
        emit("info", info=_summary(info))
        return 0
    downloads = info.get("requested_downloads") or []
    path = downloads[0].get("filepath") if downloads else None
    if not path or not os.path.exists(path):
        emit("error", kind="error", message="yt-dlp finished but no video file was written")
        return 2
    subtitles = [
        d.get("filepath")
        for d in (info.get("requested_subtitles") or {}).values()
        if isinstance(d, dict) and d.get("filepath") and os.path.exists(d["filepath"])
    ]
    thumbnails = [t.get("filepath") for t in info.get("thumbnails") or [] if t.get("filepath")]
    emit(
        "done",
        path=path,
        info=_summary(info),
        subtitles=subtitles,
        thumbnail=next((t for t in thumbnails if os.path.exists(t)), None),
    )
    return 0


def _die_with_parent() -> None:
    """Kill this process group once stdin closes (the parent died or gave up on us)."""
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except OSError:
        pass
    if os.getpgid(0) == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    # The kernel's parent-death signal would SIGKILL this process before it could kill its group
    # (ffmpeg merges); closing stdin does both, so that is how this process learns its parent died.
    request = json.loads(sys.stdin.buffer.readline())
    threading.Thread(target=_die_with_parent, name="parent-watch", daemon=True).start()
    return run(request)


if __name__ == "__main__":
    sys.exit(main())
