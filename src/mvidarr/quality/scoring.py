"""Quality labels from frame size, and a score that orders files sensibly.

See docs/quality.md for the reasoning.
"""

from __future__ import annotations

# (label, nominal height, lowest effective height that still earns it)
LABELS: tuple[tuple[str, int, int], ...] = (
    ("2160p", 2160, 1800),
    ("1440p", 1440, 1300),
    ("1080p", 1080, 950),
    ("720p", 720, 650),
    ("576p", 576, 540),
    ("480p", 480, 420),
    ("360p", 360, 320),
    ("240p", 240, 200),
)
SD = "SD"
LABEL_ORDER: tuple[str, ...] = (*[label for label, _, _ in LABELS], SD)
_CODEC_EFFICIENCY = {
    "av1": 1.0,
    "hevc": 0.85,
    "vp9": 0.8,
    "h264": 0.6,
    "vp8": 0.4,
    "mpeg4": 0.3,
    "mpeg2video": 0.2,
    "wmv3": 0.2,
    "vc1": 0.3,
}
_AUDIO_QUALITY = {"flac": 1.0, "opus": 0.9, "eac3": 0.85, "aac": 0.8, "ac3": 0.7, "vorbis": 0.7, "mp3": 0.6}


def effective_height(width: int, height: int) -> int:
    """Height a frame would have at 16:9: wide frames (1920x800) count as their width says."""
    return max(height, round(width * 9 / 16))


def quality_label(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    effective = effective_height(width, height)
    for label, _nominal, floor in LABELS:
        if effective >= floor:
            return label
    return SD


def quality_score(
    *,
    width: int | None,
    height: int | None,
    video_codec: str | None,
    video_bitrate: int | None,
    fps: float | None,
    audio_codec: str | None,
    audio_bitrate: int | None,
    audio_channels: int | None,
) -> float | None:
    """0..1000: resolution decides first, then codec efficiency and bits per pixel, then audio."""
    label = quality_label(width, height)
    if label is None or width is None or height is None:
        return None
    rank = len(LABEL_ORDER) - 1 - LABEL_ORDER.index(label)  # SD = 0 ... 2160p = 8
    efficiency = _CODEC_EFFICIENCY.get(video_codec or "", 0.3)
    picture = 0.0
    if video_bitrate and fps:
        bits_per_pixel = video_bitrate / (width * height * fps)
        # Normalise by codec: 0.1 bpp of h264 is about 0.07 of hevc for the same picture.
        picture = min(1.0, bits_per_pixel * efficiency / 0.06)
    audio = _AUDIO_QUALITY.get(audio_codec or "", 0.4 if audio_codec else 0.0)
    if audio_bitrate:
        audio *= min(1.0, audio_bitrate / 192_000)
    if audio_channels and audio_channels > 2:
        audio = min(1.0, audio + 0.1)
    return round(rank * 100 + efficiency * 40 + picture * 40 + audio * 19, 2)
