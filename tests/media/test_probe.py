from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mvidarr.media.probe import Prober, ProbeResult, probe_file
from tests.fixtures.media import ClipSpec, make_clip

# name: (container, width, height, aspect, video codec, bit depth, hdr, audio codec, channels, sample rate, label)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "h264_360p.mp4": ("mp4", 640, 360, "16:9", "h264", 8, None, "aac", 2, 48000, "360p"),
    "h264_720p.mp4": ("mp4", 1280, 720, "16:9", "h264", 8, None, "aac", 2, 48000, "720p"),
    "h264_1080p.mp4": ("mp4", 1920, 1080, "16:9", "h264", 8, None, "aac", 2, 48000, "1080p"),
    "h264_scope.mp4": ("mp4", 1920, 800, "12:5", "h264", 8, None, "aac", 2, 48000, "1080p"),
    "vp9_opus.webm": ("webm", 640, 360, "16:9", "vp9", 8, None, "opus", 2, 48000, "360p"),
    "hevc.mkv": ("matroska", 640, 360, "16:9", "hevc", 8, None, "aac", 2, 48000, "360p"),
    "mpeg4.avi": ("avi", 640, 360, "16:9", "mpeg4", 8, None, "mp3", 2, 44100, "360p"),
    "hdr10.mkv": ("matroska", 640, 360, "16:9", "hevc", 10, "HDR10", "aac", 2, 48000, "360p"),
    "hlg.mkv": ("matroska", 640, 360, "16:9", "hevc", 10, "HLG", "aac", 2, 48000, "360p"),
    "mono_48k.mp4": ("mp4", 854, 480, "427:240", "h264", 8, None, "aac", 1, 48000, "480p"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_probe_reads_what_was_written(clips: dict[str, Path], name: str) -> None:
    result = probe_file(str(clips[name]))
    assert result.error is None
    actual = (
        result.container,
        result.width,
        result.height,
        result.display_aspect,
        result.video_codec,
        result.bit_depth,
        result.hdr,
        result.audio_codec,
        result.audio_channels,
        result.audio_sample_rate,
        result.quality_label,
    )
    assert actual == EXPECTED[name]
    expected_fps = 30.0 if name == "mono_48k.mp4" else 24.0
    assert result.fps == expected_fps
    assert result.duration_s is not None
    assert result.duration_s == pytest.approx(1.0, abs=0.06)
    assert result.video_bitrate is not None
    assert result.video_bitrate > 0
    assert result.overall_bitrate is not None
    assert result.overall_bitrate >= result.video_bitrate
    assert result.video_profile
    assert result.quality_score is not None


def test_bitrates_where_the_container_records_them(clips: dict[str, Path]) -> None:
    mp4 = probe_file(str(clips["h264_720p.mp4"]))
    assert mp4.audio_bitrate is not None
    assert 64_000 < mp4.audio_bitrate < 256_000
    size_bits = clips["h264_720p.mp4"].stat().st_size * 8
    assert mp4.overall_bitrate == pytest.approx(size_bits / mp4.duration_s, rel=0.05)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("broken:empty", "empty file"),
        ("broken:text", "not a media file"),
        ("broken:truncated", "damaged or truncated mp4"),
        ("broken:truncated_faststart", "truncated"),
    ],
)
def test_unreadable_files_are_recorded_with_a_reason(clips: dict[str, Path], key: str, reason: str) -> None:
    result = probe_file(str(clips[key]))
    assert result.error is not None
    assert reason in result.error
    assert result.quality_label is None or key == "broken:truncated_faststart"


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read file" in (probe_file(str(tmp_path / "gone.mp4")).error or "")


def test_columns_for_media_file(clips: dict[str, Path]) -> None:
    columns = probe_file(str(clips["h264_1080p.mp4"])).as_columns()
    assert columns["quality_label"] == "1080p"
    assert columns["probe_error"] is None
    assert "display_aspect" not in columns


@pytest.mark.anyio
async def test_prober_runs_in_worker_processes(clips: dict[str, Path]) -> None:
    prober = Prober(workers=2)
    try:
        results = [await prober.probe(clips[name]) for name in ("h264_360p.mp4", "vp9_opus.webm", "broken:text")]
    finally:
        prober.close()
    assert [r.video_codec for r in results] == ["h264", "vp9", None]
    assert all(isinstance(r, ProbeResult) for r in results)


@pytest.mark.parametrize(
    "spec",
    [
        ClipSpec("short_10fps.mp4", "mp4", "libx264", "aac", 320, 240, fps=10, seconds=0.5),
        ClipSpec("short_5fps.mkv", "matroska", "libx264", None, 320, 240, fps=5, seconds=0.6),
        ClipSpec("short_2fps.webm", "webm", "libvpx-vp9", None, 320, 240, fps=2, seconds=1.5),
        ClipSpec("short_1fps.mp4", "mp4", "libx264", None, 320, 240, fps=1, seconds=3.0),
    ],
    ids=lambda spec: spec.name,
)
def test_short_or_sparse_clips_are_not_called_truncated(tmp_path: Path, spec: ClipSpec) -> None:
    """The last packet ends at its timestamp plus its own length: a valid clip whose last frame
    starts before 85 % of the duration is whole."""
    result = probe_file(str(make_clip(tmp_path, spec)))
    assert result.error is None, result.error
    assert result.duration_s == pytest.approx(spec.seconds, abs=0.2)
