"""Sidecar subtitles: `.srt` and `.vtt` files next to a video's file, sharing its name with an
optional language (`Song.srt`, `Song.en.vtt`, `Song.pt-BR.forced.srt`, as yt-dlp and media
servers name them), served as WebVTT (SubRip is converted; browsers' <track> reads only WebVTT)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import srt

SUBTITLE_SUFFIXES = (".srt", ".vtt")
MAX_SUBTITLE_BYTES = 5 * 1024 * 1024
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_FLAGS = {"forced", "sdh", "cc", "default"}
TRACK_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


@dataclass(frozen=True, slots=True)
class Sidecar:
    """One subtitle file: `track` (the name's part after the video's stem, e.g. `en.srt`) names it."""

    path: Path
    track: str
    language: str | None
    label: str
    format: str  # srt or vtt


def _describe(track: str) -> tuple[str | None, str]:
    parts = track.split(".")[:-1]  # without the extension
    language = next((p for p in parts if p.lower() not in _FLAGS and _LANGUAGE.match(p)), None)
    flags = [p.lower() for p in parts if p.lower() in _FLAGS]
    extra = [p for p in parts if p != language and p.lower() not in _FLAGS]
    label = " ".join([language or "Subtitles", *extra, *(f"({flag})" for flag in flags)])
    return language, label


def find_sidecars(video_file: Path) -> list[Sidecar]:
    """The subtitle files beside `video_file`, by name; blocking (run it in a thread)."""
    stem = video_file.stem
    found: list[Sidecar] = []
    try:
        entries = list(os.scandir(video_file.parent))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        suffix = os.path.splitext(name)[1].lower()
        if suffix not in SUBTITLE_SUFFIXES or not name.startswith(stem + "."):
            continue
        track = name[len(stem) + 1 :]
        if not re.match(TRACK_PATTERN, track) or not entry.is_file():
            continue
        language, label = _describe(track)
        found.append(Sidecar(Path(entry.path), track, language, label, suffix[1:]))
    return sorted(found, key=lambda s: (s.language is None, s.track))


def _vtt_time(value: timedelta) -> str:
    millis = max(0, round(value.total_seconds() * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def srt_to_vtt(text: str) -> str:
    """SubRip as WebVTT: cues parsed by `srt` (tolerant of stray lines), times with dots, and
    no line that could end a cue early or read as a timing line."""
    lines = ["WEBVTT", ""]
    for cue in srt.sort_and_reindex(srt.parse(text, ignore_errors=True)):
        body = [line.replace("-->", "->") for line in cue.content.splitlines() if line.strip()]
        if not body:
            continue
        lines += [str(cue.index), f"{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}", *body, ""]
    return "\n".join(lines)


class SubtitleTooLarge(ValueError):
    pass


def read_as_vtt(sidecar: Sidecar) -> str:
    """The file as WebVTT text; blocking (run it in a thread)."""
    if sidecar.path.stat().st_size > MAX_SUBTITLE_BYTES:
        raise SubtitleTooLarge(sidecar.track)
    raw = sidecar.path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace") if raw.startswith(b"\xef\xbb\xbf") else _decode(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if sidecar.format == "vtt":
        return text if text.startswith("WEBVTT") else "WEBVTT\n\n" + text
    return srt_to_vtt(text)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # older SubRip files are mostly Windows-1252
