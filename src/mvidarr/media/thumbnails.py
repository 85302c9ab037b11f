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


def _detail(image: object) -> tuple[float, float]:
    """(mean luma, detail): detail is the luma histogram's entropy, high for busy pictures."""
    import math

    from PIL import Image

    assert isinstance(image, Image.Image)
    gray = image.convert("L").resize((160, 90))
    histogram = gray.histogram()
    total = sum(histogram)
    mean = sum(level * count for level, count in enumerate(histogram)) / total
    entropy = -sum((count / total) * math.log2(count / total) for count in histogram if count)
    return mean, entropy


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

    best: tuple[float, float, Image.Image] | None = None  # (detail, position, image)
    with av.open(video_path) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
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
            image = Image.fromarray(frame.to_ndarray(format="rgb24"))
            mean, detail = _detail(image)
            if mean <= BLACK_LUMA:
                detail /= 10  # keep a black frame only if nothing else decodes
            if best is None or detail > best[0]:
                best = (detail, position, image)
    if best is None:
        return None
    detail, position, image = best
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for size in ThumbnailSize:
        width = min(size.width, image.width)
        height = max(1, round(image.height * width / image.width))
        scaled = image.resize((width, height), Image.Resampling.LANCZOS) if width != image.width else image
        for fmt in FORMATS:
            buffer = io.BytesIO()
            options = {"quality": 85, "optimize": True} if fmt == "jpeg" else {"quality": 80, "method": 4}
            scaled.save(buffer, format=fmt.upper(), **options)
            _write_atomically(thumbnail_path(target, size, fmt), buffer.getvalue())
    return ThumbnailSet(folder=target, position_s=round(position, 3), detail=round(detail, 3))
