"""What the download subprocess (`downloads.worker`) tells its parent: JSON lines on stdout (`progress`,
`phase`, `log`, then `done`, `info` or `error`), and yt-dlp's logger and hooks that write them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

_OUT_LOCK = threading.Lock()
_OUT = sys.stdout


def emit(event: str, **data: Any) -> None:
    line = json.dumps({"event": event, **data}, default=str)
    with _OUT_LOCK:
        _OUT.write(line + "\n")
        _OUT.flush()


class Logger:
    """yt-dlp's messages as `log` events (debug lines dropped: they are many and say little)."""

    po_token_warned = False
    """YouTube withheld formats for want of a PO token: a later "no formats" error is about that."""

    def debug(self, message: str) -> None:
        if message.startswith("[Merger]"):
            emit("phase", phase="merging")

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        if "po token" in message.lower():
            Logger.po_token_warned = True
        emit("log", level="warning", message=message[:2000])

    def error(self, message: str) -> None:
        emit("log", level="error", message=message[:2000])


class Progress:
    """Turns yt-dlp's per-file hooks into one overall progress over every requested stream."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.last = 0.0
        self.finished_files: dict[str, int] = {}
        self.streams = 1

    def hook(self, status: dict[str, Any]) -> None:
        info = status.get("info_dict") or {}
        requested = info.get("requested_formats")
        if requested:
            self.streams = len(requested)
        filename = str(status.get("filename") or "")
        downloaded = int(status.get("downloaded_bytes") or 0)
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        phase = "audio" if info.get("vcodec") == "none" else "video"
        if status.get("status") == "finished":
            self.finished_files[filename] = downloaded or int(total or 0)
            emit(
                "progress",
                phase=phase,
                stream_fraction=1.0,
                streams_done=len(self.finished_files),
                streams=self.streams,
                downloaded_bytes=sum(self.finished_files.values()),
                total_bytes=None,
                speed=status.get("speed"),
                eta_s=0.0,
            )
            return
        now = time.monotonic()
        if now - self.last < self.every_s:
            return
        self.last = now
        done_before = sum(v for k, v in self.finished_files.items() if k != filename)
        emit(
            "progress",
            phase=phase,
            stream_fraction=(downloaded / total) if total else None,
            streams_done=len([k for k in self.finished_files if k != filename]),
            streams=max(self.streams, len(self.finished_files) + 1),
            downloaded_bytes=done_before + downloaded,
            total_bytes=(done_before + int(total)) if total else None,
            speed=status.get("speed"),
            eta_s=status.get("eta"),
        )


def postprocessor_hook(status: dict[str, Any]) -> None:
    if status.get("status") == "started" and status.get("postprocessor") in ("Merger", "FFmpegMerger"):
        emit("phase", phase="merging")
