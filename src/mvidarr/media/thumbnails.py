"""Video thumbnails: a frame with the most detail (never a black one), as JPEG and WebP in three widths.

`grab_thumbnail` is blocking and CPU-bound: run it in the probe process pool or a thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from mvidarr.kit.atomic import write_atomic

# Where in the video to look, as fractions of its duration; intros and outros are often black.
POSITIONS = (0.2, 0.35, 0.5, 0.65, 0.1)
BLACK_LUMA = 24.0  # mean luma at or below this is a black or near-black frame


class ThumbnailSize(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def width(self) -> int:
        return {"small": 320, "medium": 640, "large": 1280}[self.value]


FORMATS = {"jpeg": ("jpg", "image/jpeg"), "webp": ("webp", "image/webp")}


@dataclass(frozen=True, slots=True)
class ThumbnailSet:
    folder: Path
    position_s: float
    detail: float


def thumbnail_path(folder: Path, size: ThumbnailSize, fmt: str) -> Path:
    extension, _ = FORMATS[fmt]
    return folder / f"{size.value}.{extension}"


# Frames are judged on a small grey copy: enough to tell a busy picture from a black or flat one.
_JUDGE_SIZE = (160, 90)


def _detail(frame: Any) -> tuple[float, float]:
    """(mean luma, detail) of a frame: detail is the entropy of its grey histogram, high for busy pictures.

    Pillow does the arithmetic (no numpy at run time); only the frame that wins is converted to RGB
    at full size.
    """
    from PIL import Image, ImageStat

    plane = frame.reformat(width=_JUDGE_SIZE[0], height=_JUDGE_SIZE[1], format="gray").planes[0]
    grey = Image.frombuffer("L", _JUDGE_SIZE, bytes(plane), "raw", "L", plane.line_size, 1)
    return float(ImageStat.Stat(grey).mean[0]), float(grey.entropy())


def grab_thumbnail(video_path: str, folder: str, duration_s: float | None = None) -> ThumbnailSet | None:
    """Try a few positions, keep the frame with the most detail, write every size and format.

    Returns None when no frame can be decoded.
    """
    import av
    from PIL import Image

    best: tuple[float, float, Any] | None = None  # (detail, position, frame)
    with av.open(video_path) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"  # one frame per seek: frame threading would only add latency
        length = duration_s or (container.duration / 1_000_000 if container.duration else 0.0)
        # Timestamps may not start at zero (MPEG-TS starts at 1.4 s or later): seek from the start.
        start = container.start_time or 0
        # The start comes last: a file without an index (MPEG-TS) whose only keyframe is the first
        # frame cannot be entered anywhere else.
        for fraction in (*POSITIONS, 0.0) if length > 1 else (0.0,):
            if fraction == 0.0 and best is not None and length > 1:
                break
            position = length * fraction
            try:
                container.seek(start + int(position * 1_000_000), any_frame=False, backward=True)
                frame = next(container.decode(stream), None)
            except (av.error.FFmpegError, StopIteration):
                continue
            if frame is None:
                continue
            mean, detail = _detail(frame)
            if mean <= BLACK_LUMA:
                detail /= 10  # keep a black frame only if nothing else decodes
            if best is None or detail > best[0]:
                best = (detail, position, frame)
        if best is None:
            return None
        detail, position, chosen = best
        image = chosen.to_image()
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    encoded: dict[tuple[int, str], bytes] = {}  # a small source gives one picture for several sizes
    for size in ThumbnailSize:
        width = min(size.width, image.width)
        height = max(1, round(image.height * width / image.width))
        for fmt in FORMATS:
            if (width, fmt) not in encoded:
                scaled = image.resize((width, height), Image.Resampling.LANCZOS) if width != image.width else image
                buffer = io.BytesIO()
                options = {"quality": 85, "optimize": True} if fmt == "jpeg" else {"quality": 80, "method": 4}
                scaled.save(buffer, format=fmt.upper(), **options)
                encoded[(width, fmt)] = buffer.getvalue()
            write_atomic(thumbnail_path(target, size, fmt), encoded[(width, fmt)], durable=False)
    return ThumbnailSet(folder=target, position_s=round(position, 3), detail=round(detail, 3))
