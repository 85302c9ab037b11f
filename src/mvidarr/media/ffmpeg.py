"""Which ffmpeg binary this process runs."""

from __future__ import annotations


def ffmpeg_binary(configured: str | None) -> str:
    """The configured ffmpeg (`MVIDARR_FFMPEG_PATH`), else the one imageio-ffmpeg ships."""
    if configured:
        return configured
    import imageio_ffmpeg  # loads only where something runs ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
