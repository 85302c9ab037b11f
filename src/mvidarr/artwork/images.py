"""Turning untrusted image bytes into stored artwork (blocking and CPU-bound: call through a thread).

The bytes are decoded with Pillow, which proves they are an image; the picture is then drawn
again from its pixels alone, so EXIF (GPS position, camera serials), ICC profiles, comments and
anything appended to the file are gone from what is stored.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mvidarr.kit.atomic import write_atomic
from mvidarr.media.thumbnails import FORMATS, ThumbnailSize, thumbnail_path

MAX_PIXELS = 40_000_000
"""Larger pictures are refused before decoding (a small file can declare a huge canvas)."""
MIN_SIDE = 16
SOURCE_WIDTH = 2560
"""The kept source (for cropping again later) is at most this wide."""
SOURCE_NAME = "source.jpg"
ACCEPTED = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"})

if TYPE_CHECKING:
    from PIL import Image


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read, or not one MVidarr accepts."""


@dataclass(frozen=True, slots=True)
class Crop:
    """A box as fractions (0..1) of the picture's width and height, from its top left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class StoredArtwork:
    folder: Path
    width: int
    height: int
    digest: str


def decode(data: bytes) -> Image.Image:
    """The picture in `data`, upright (EXIF orientation applied) and in RGB; NotAnImage if it is none."""
    # Pillow loads on first use, in the worker thread: the web server never needs it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format not in ACCEPTED:
                raise NotAnImage(f"{opened.format or 'unknown'} pictures are not accepted; send JPEG, PNG or WebP")
            if opened.width * opened.height > MAX_PIXELS:
                raise NotAnImage(f"the picture is {opened.width}x{opened.height}; at most {MAX_PIXELS} pixels")
            opened.seek(0)  # first frame of an animation
            opened.load()
    except UnidentifiedImageError:
        # Pillow's message names its buffer object (`<_io.BytesIO object at 0x…>`): not for people.
        raise NotAnImage("not a readable image; send a JPEG, PNG or WebP picture") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(f"not a readable image: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, NotAnImage):
            raise
        raise NotAnImage(f"the image is damaged: {exc}") from None
    upright = ImageOps.exif_transpose(opened)
    if upright.mode in ("RGBA", "LA", "P", "PA"):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return upright.convert("RGB")


def crop(image: Image.Image, box: Crop) -> Image.Image:
    left = round(box.x * image.width)
    top = round(box.y * image.height)
    right = min(image.width, round((box.x + box.width) * image.width))
    bottom = min(image.height, round((box.y + box.height) * image.height))
    if right - left < MIN_SIDE or bottom - top < MIN_SIDE:
        raise NotAnImage(f"the crop box is smaller than {MIN_SIDE}x{MIN_SIDE} pixels of this picture")
    return image.crop((left, top, right, bottom))


def _encode(image: Image.Image, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    options = {"quality": 88, "optimize": True} if fmt == "jpeg" else {"quality": 82, "method": 4}
    # A fresh image from pixels: no info dict, so no EXIF, ICC profile or comment is written.
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    clean.save(buffer, format=fmt.upper(), **options)
    return buffer.getvalue()


def _scaled(image: Image.Image, width: int) -> Image.Image:
    from PIL import Image

    width = min(width, image.width)
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def store(data: bytes, parent: Path, box: Crop | None = None) -> StoredArtwork:
    """Decode, crop, and write the source and every thumbnail size into a new folder under `parent`.

    The folder is named by the picture's digest, so a new picture gets new file names (caches keep
    an old one only as long as it is right).
    """
    return store_image(decode(data), parent, box)


def store_image(image: Image.Image, parent: Path, box: Crop | None = None) -> StoredArtwork:
    if box is not None:
        image = crop(image, box)
    if image.width < MIN_SIDE or image.height < MIN_SIDE:
        raise NotAnImage(f"the picture is {image.width}x{image.height}; at least {MIN_SIDE}x{MIN_SIDE}")
    source = _encode(_scaled(image, SOURCE_WIDTH), "jpeg")
    digest = hashlib.sha256(source).hexdigest()[:16]
    folder = parent / digest
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / SOURCE_NAME, source)
    for size in ThumbnailSize:
        scaled = _scaled(image, size.width)
        for fmt in FORMATS:
            write_atomic(thumbnail_path(folder, size, fmt), _encode(scaled, fmt), durable=False)
    return StoredArtwork(folder=folder, width=image.width, height=image.height, digest=digest)


def recrop(folder: Path, parent: Path, box: Crop) -> StoredArtwork:
    """Crop the kept source of stored artwork again (the upload is not needed a second time)."""
    try:
        data = (folder / SOURCE_NAME).read_bytes()
    except OSError:
        raise NotAnImage("this artwork keeps no source picture to crop; upload it again") from None
    return store(data, parent, box)
