"""Video thumbnails: a frame with the most detail (never a black one), as JPEG and WebP in three widths.

`grab_thumbnail` is blocking and CPU-bound: run it in the probe process pool or a thread.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

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


_PLANAR_YUV = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})


def _plane_array(plane_or_array: Any, frame: Any) -> Any:
    """The luma plane as a 2-D array (a decoder plane is padded to its line size; crop it)."""
    import numpy as np

    if isinstance(plane_or_array, np.ndarray):
        return plane_or_array
    raw = np.frombuffer(plane_or_array, dtype=np.uint8).reshape(-1, plane_or_array.line_size)
    return raw[: frame.height, : frame.width]


def thumbnail_path(folder: Path, size: ThumbnailSize, fmt: str) -> Path:
    extension, _ = FORMATS[fmt]
    return folder / f"{size.value}.{extension}"


def _detail(luma: Any) -> tuple[float, float]:
    """(mean luma, detail) of a frame's luma plane: detail is its histogram's entropy, high for busy pictures.

    Judged on the luma plane straight from the decoder (no colour conversion), so only the frame
    that wins is ever converted to RGB.
    """
    import numpy as np

    step_y = max(1, luma.shape[0] // 90)
    step_x = max(1, luma.shape[1] // 160)
    sample = luma[::step_y, ::step_x]
    histogram = np.bincount(sample.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    mean = float((np.arange(256) * histogram).sum() / total)
    shares = histogram[histogram > 0] / total
    return mean, float(-(shares * np.log2(shares)).sum())


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


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
        for fraction in POSITIONS if length > 1 else (0.0,):
            position = length * fraction
            try:
                container.seek(int(position * 1_000_000), any_frame=False, backward=True)
                frame = next(container.decode(stream), None)
            except (av.error.FFmpegError, StopIteration):
                continue
            if frame is None:
                continue
            # 8-bit planar YUV: read the luma plane as is; anything else is converted to 8-bit gray.
            luma = frame.planes[0] if frame.format.name in _PLANAR_YUV else frame.to_ndarray(format="gray")
            mean, detail = _detail(_plane_array(luma, frame))
            if mean <= BLACK_LUMA:
                detail /= 10  # keep a black frame only if nothing else decodes
            if best is None or detail > best[0]:
                best = (detail, position, frame)
        if best is None:
            return None
        detail, position, chosen = best
        image = Image.fromarray(chosen.to_ndarray(format="rgb24"))
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
            _write_atomically(thumbnail_path(target, size, fmt), encoded[(width, fmt)])
    return ThumbnailSet(folder=target, position_s=round(position, 3), detail=round(detail, 3))
