from __future__ import annotations

import pytest

from mvidarr.quality.scoring import quality_label, quality_score


@pytest.mark.parametrize(
    ("width", "height", "label"),
    [
        (3840, 2160, "2160p"),
        (3840, 1600, "2160p"),
        (4096, 1716, "2160p"),
        (2560, 1440, "1440p"),
        (1920, 1080, "1080p"),
        (1920, 800, "1080p"),
        (1440, 1080, "1080p"),
        (1920, 1040, "1080p"),
        (1280, 720, "720p"),
        (1280, 536, "720p"),
        (720, 576, "576p"),
        (720, 480, "480p"),
        (854, 480, "480p"),
        (640, 360, "360p"),
        (480, 360, "360p"),
        (426, 240, "240p"),
        (176, 144, "SD"),
    ],
)
def test_labels_treat_wide_and_anamorphic_frames_by_their_picture(width: int, height: int, label: str) -> None:
    assert quality_label(width, height) == label


@pytest.mark.parametrize(("width", "height"), [(None, 1080), (1920, None), (0, 0)])
def test_no_label_without_a_frame_size(width: int | None, height: int | None) -> None:
    assert quality_label(width, height) is None


def _score(**overrides: object) -> float:
    values: dict[str, object] = {
        "width": 1920,
        "height": 1080,
        "video_codec": "h264",
        "video_bitrate": 8_000_000,
        "fps": 30.0,
        "audio_codec": "aac",
        "audio_bitrate": 192_000,
        "audio_channels": 2,
    }
    values.update(overrides)
    score = quality_score(**values)  # type: ignore[arg-type]
    assert score is not None
    return score


def test_resolution_decides_first() -> None:
    starved_4k = _score(width=3840, height=2160, video_bitrate=2_000_000, audio_codec=None, audio_bitrate=None)
    rich_1080 = _score(video_codec="av1", video_bitrate=20_000_000, audio_codec="flac")
    assert starved_4k > rich_1080


def test_then_codec_and_bits_per_pixel_then_audio() -> None:
    assert _score(video_codec="hevc") > _score(video_codec="h264")
    assert _score(video_bitrate=8_000_000) > _score(video_bitrate=2_000_000)
    assert _score(audio_bitrate=256_000) > _score(audio_bitrate=96_000)
    assert _score(audio_codec="opus") > _score(audio_codec="mp3")


def test_scores_stay_within_their_band() -> None:
    best_1080 = _score(video_codec="av1", video_bitrate=80_000_000, audio_codec="flac", audio_channels=6)
    worst_1440 = _score(width=2560, height=1440, video_codec="mpeg4", video_bitrate=1, audio_codec=None)
    assert best_1080 < worst_1440
    assert (
        quality_score(
            width=None,
            height=None,
            video_codec=None,
            video_bitrate=None,
            fps=None,
            audio_codec=None,
            audio_bitrate=None,
            audio_channels=None,
        )
        is None
    )
