"""Probing media files with PyAV: what is in a file, and whether it can be read at all.

`probe_file` is blocking and CPU-bound; call it through `Prober`, which runs it in a process
pool sized to the cores, never on the event loop.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from mvidarr.kit.lifetime import die_with_parent
from mvidarr.quality.scoring import quality_label, quality_score

AV_TIME_BASE = 1_000_000
# FFmpeg's AVColorTransferCharacteristic values that mean HDR.
_TRC_PQ = 16
_TRC_HLG = 18
_DOLBY_VISION_TAGS = frozenset({"dvhe", "dvh1", "dvav", "dva1", "dav1"})
_WEBM_CODECS = frozenset({"vp8", "vp9", "av1", "opus", "vorbis"})


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What probing found; `error` says why a file could not be read (then the rest is empty)."""

    container: str | None = None
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    display_aspect: str | None = None
    fps: float | None = None
    video_codec: str | None = None
    video_profile: str | None = None
    bit_depth: int | None = None
    hdr: str | None = None
    video_bitrate: int | None = None
    audio_codec: str | None = None
    audio_channels: int | None = None
    audio_sample_rate: int | None = None
    audio_bitrate: int | None = None
    overall_bitrate: int | None = None
    tags: dict[str, str] | None = None
    """Container tags that help matching: artist, title, date (lower-case keys), when present."""
    error: str | None = None

    @property
    def quality_label(self) -> str | None:
        return quality_label(self.width, self.height)

    @property
    def quality_score(self) -> float | None:
        return quality_score(
            width=self.width,
            height=self.height,
            video_codec=self.video_codec,
            video_bitrate=self.video_bitrate,
            fps=self.fps,
            audio_codec=self.audio_codec,
            audio_bitrate=self.audio_bitrate,
            audio_channels=self.audio_channels,
        )

    def as_columns(self) -> dict[str, Any]:
        """The media_file columns this result fills."""
        values = asdict(self)
        values.pop("display_aspect")
        error = values.pop("error")
        values["probe_error"] = error
        values["quality_label"] = self.quality_label
        values["quality_score"] = self.quality_score
        return values


def _looks_like_media(path: Path) -> str | None:
    """The container a file's first bytes announce, if any (to tell damaged media from junk)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return None
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "asf"
    return None


def _container_name(format_name: str, path: Path, codecs: set[str]) -> str:
    names = format_name.split(",")
    if "mp4" in names or "mov" in names:
        return "mov" if path.suffix.lower() == ".mov" else "mp4"
    if "matroska" in names:
        is_webm = path.suffix.lower() == ".webm" or (codecs and codecs <= _WEBM_CODECS)
        return "webm" if is_webm else "matroska"
    return names[0]


def _aspect(width: int, height: int, sar: Fraction | None) -> str:
    ratio = Fraction(width, height) * (sar if sar else 1)
    return f"{ratio.numerator}:{ratio.denominator}"


def _bit_depth(pix_fmt: str | None, components_bits: int | None) -> int | None:
    if pix_fmt:
        for depth in (16, 12, 10, 9):
            if f"p{depth}" in pix_fmt or pix_fmt.endswith(f"{depth}le") or pix_fmt.endswith(f"{depth}be"):
                return depth
    return components_bits


def _hdr(transfer: int | None, codec_tag: str | None, metadata: dict[str, str]) -> str | None:
    if (codec_tag or "").lower() in _DOLBY_VISION_TAGS or any("dovi" in key.lower() for key in metadata):
        return "DV"
    if transfer == _TRC_PQ:
        return "HDR10"
    if transfer == _TRC_HLG:
        return "HLG"
    return None


# Container tag names (lower-cased) that carry what matching needs, in order of preference.
_TAG_NAMES = {
    "artist": ("artist", "album_artist", "performer", "author"),
    "title": ("title",),
    "date": ("date", "year", "date_released"),
}
MAX_TAG_LENGTH = 500


def _tags(metadata: dict[str, str]) -> dict[str, str] | None:
    lowered = {key.lower(): value for key, value in metadata.items()}
    found: dict[str, str] = {}
    for name, keys in _TAG_NAMES.items():
        for key in keys:
            value = (lowered.get(key) or "").replace("\x00", "").strip()
            if value:
                found[name] = value[:MAX_TAG_LENGTH]
                break
    return found or None


def _readable_to_end(container: Any, duration_s: float | None) -> bool:
    """Seek near the stated end and read on: a truncated file runs out of packets early."""
    if not duration_s or duration_s < 0.5:
        return True
    stream = container.streams.video[0] if container.streams.video else container.streams[0]
    try:
        container.seek(int(duration_s * 0.9 * AV_TIME_BASE), any_frame=False, backward=True)
    except Exception:  # no index to seek with: nothing to conclude
        return True
    start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
    end = 0.0
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base is not None:
                # A packet covers its own length too: a sparse or short clip's last frame starts
                # well before the end and still ends there.
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except Exception:  # a read error on the way to the end is what truncation looks like
        return False
    return end - start >= duration_s * 0.85


def probe_file(path_text: str) -> ProbeResult:
    """Everything the library keeps about a file. Blocking: run in a worker process."""
    import av  # imported here: worker processes need it, the API process does not

    path = Path(path_text)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return ProbeResult(error=f"cannot read file: {exc.strerror}")
    if size == 0:
        return ProbeResult(error="empty file (0 bytes)")
    try:
        container = av.open(path_text, metadata_errors="replace")
    except av.error.InvalidDataError:
        announced = _looks_like_media(path)
        if announced:
            return ProbeResult(error=f"damaged or truncated {announced} file: FFmpeg cannot read its index")
        return ProbeResult(error="not a media file: FFmpeg found no audio or video it can read")
    except av.error.FFmpegError as exc:
        return ProbeResult(error=f"cannot open media: {exc.strerror or exc}")
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            return ProbeResult(error="no audio or video streams")
        duration_s = container.duration / AV_TIME_BASE if container.duration else None
        if duration_s is None and video is not None and video.duration and video.time_base:
            duration_s = float(video.duration * video.time_base)
        codecs = {s.codec_context.codec.canonical_name for s in (video, audio) if s is not None}
        values: dict[str, Any] = {
            "container": _container_name(container.format.name, path, codecs),
            "duration_s": round(duration_s, 3) if duration_s else None,
            "tags": _tags(dict(container.metadata)),
        }
        overall = container.bit_rate or (int(size * 8 / duration_s) if duration_s else None)
        values["overall_bitrate"] = overall or None
        audio_bitrate = None
        if audio is not None:
            sound = audio.codec_context
            audio_bitrate = audio.bit_rate or sound.bit_rate or None
            values.update(
                audio_codec=sound.codec.canonical_name,
                audio_channels=sound.layout.nb_channels if sound.layout else sound.channels,
                audio_sample_rate=sound.sample_rate or None,
                audio_bitrate=audio_bitrate,
            )
        if video is not None:
            picture = video.codec_context
            rate = video.average_rate or video.guessed_rate
            video_bitrate = video.bit_rate or picture.bit_rate or None
            if video_bitrate is None and overall:
                video_bitrate = max(0, overall - (audio_bitrate or 0)) or None
            pix_fmt = picture.format.name if picture.format else None
            components = picture.format.components[0].bits if picture.format and picture.format.components else None
            values.update(
                width=picture.width or None,
                height=picture.height or None,
                display_aspect=_aspect(picture.width, picture.height, video.sample_aspect_ratio)
                if picture.width and picture.height
                else None,
                fps=round(float(rate), 3) if rate else None,
                video_codec=picture.codec.canonical_name,
                video_profile=picture.profile or None,
                bit_depth=_bit_depth(pix_fmt, components),
                hdr=_hdr(picture.color_trc, video.codec_tag, dict(video.metadata)),
                video_bitrate=video_bitrate,
            )
        if not _readable_to_end(container, duration_s):
            return ProbeResult(**values, error="truncated: the file ends before its stated duration")
        return ProbeResult(**values)


class Prober:
    """Runs probes in a process pool sized to the cores; the pool starts on first use."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or max(1, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: never fork the threads of a running event loop.
            context = multiprocessing.get_context("forkserver")
            # The forkserver exits when this process dies; its workers then die with it.
            self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=context, initializer=die_with_parent)
        return self._pool

    async def probe(self, path: Path) -> ProbeResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), probe_file, str(path))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
