from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PIL import Image

from mvidarr.db import Database
from mvidarr.media.thumbnails import ThumbnailSize, grab_thumbnail, thumbnail_path
from mvidarr.models import Video
from tests.factories import make_artist, make_video
from tests.fixtures.media import ClipSpec, make_clip


@pytest.mark.parametrize(("clip", "widths"), [("h264_720p.mp4", (320, 640, 1280)), ("vp9_opus.webm", (320, 640, 640))])
def test_every_size_and_format_without_upscaling(
    clips: dict[str, Path], tmp_path: Path, clip: str, widths: tuple[int, int, int]
) -> None:
    made = grab_thumbnail(str(clips[clip]), str(tmp_path / "thumbs"))
    assert made is not None
    for size, width in zip(ThumbnailSize, widths, strict=True):
        for fmt, pil_format in (("jpeg", "JPEG"), ("webp", "WEBP")):
            with Image.open(thumbnail_path(made.folder, size, fmt)) as image:
                assert image.format == pil_format
                assert image.width == width
                assert image.height == round(width * 9 / 16)


def test_black_frames_are_passed_over(tmp_path: Path) -> None:
    spec = ClipSpec(
        "dark_intro.mp4", "mp4", "libx264", None, 320, 180, seconds=2.0, black_until=0.5, options={"g": "12"}
    )
    clip = make_clip(tmp_path, spec)
    made = grab_thumbnail(str(clip), str(tmp_path / "thumbs"))
    assert made is not None
    assert made.position_s >= 1.0, "the black first second was skipped"
    with Image.open(thumbnail_path(made.folder, ThumbnailSize.SMALL, "jpeg")) as image:
        from PIL import ImageStat

        assert ImageStat.Stat(image.convert("L")).mean[0] > 24


@pytest.mark.parametrize(
    "spec",
    [
        ClipSpec("sparse.ts", "mpegts", "libx264", "aac", 320, 180, fps=12, seconds=2.0),
        ClipSpec("old.mpg", "mpeg", "mpeg2video", None, 320, 180, fps=12, seconds=2.0),
        ClipSpec("old.flv", "flv", "flv", None, 320, 180, fps=12, seconds=2.0),
        ClipSpec("old.wmv", "asf", "wmv2", None, 320, 180, fps=12, seconds=2.0),
    ],
    ids=lambda spec: spec.name,
)
def test_files_without_an_index_or_a_zero_start_get_a_thumbnail(tmp_path: Path, spec: ClipSpec) -> None:
    """MPEG-TS has no index and starts late; its one keyframe is the first frame: still a picture."""
    made = grab_thumbnail(str(make_clip(tmp_path, spec)), str(tmp_path / "thumbs"), spec.seconds)
    assert made is not None
    with Image.open(thumbnail_path(made.folder, ThumbnailSize.SMALL, "jpeg")) as image:
        assert image.width == 320


def test_unreadable_file_gives_no_thumbnail(clips: dict[str, Path], tmp_path: Path) -> None:
    import av

    with pytest.raises(av.error.FFmpegError):
        grab_thumbnail(str(clips["broken:text"]), str(tmp_path / "thumbs"))


@pytest.mark.anyio
async def test_endpoints_negotiate_cache_and_fall_back(
    client: httpx.AsyncClient, db: Database, settings: object, clips: dict[str, Path]
) -> None:
    data_dir: Path = settings.data_dir  # type: ignore[attr-defined]
    artist = await make_artist(client, "Thumb Artist")
    with_thumb = await make_video(client, artist["id"], "Has A Picture")
    bare = await make_video(client, artist["id"], "No Picture")
    relative = f"thumbnails/videos/{with_thumb['id']}"
    assert grab_thumbnail(str(clips["h264_720p.mp4"]), str(data_dir / relative)) is not None
    async with db.writer() as session:
        video = await session.get(Video, with_thumb["id"])
        assert video is not None
        video.thumbnail_path = relative
        await session.commit()

    url = f"/api/v1/videos/{with_thumb['id']}/thumbnail"
    webp = await client.get(url, params={"size": "small"}, headers={"Accept": "image/avif,image/webp,*/*"})
    assert webp.status_code == 200
    assert webp.headers["content-type"] == "image/webp"
    assert webp.headers["vary"] == "Accept"
    assert "max-age" in webp.headers["cache-control"]
    jpeg = await client.get(url, params={"size": "large"}, headers={"Accept": "image/jpeg"})
    assert jpeg.headers["content-type"] == "image/jpeg"
    assert jpeg.content[:3] == b"\xff\xd8\xff"
    again = await client.get(
        url, params={"size": "small"}, headers={"Accept": "image/webp", "If-None-Match": webp.headers["etag"]}
    )
    assert again.status_code == 304

    assert (await client.get(f"/api/v1/videos/{bare['id']}/thumbnail")).status_code == 404
    assert (await client.get(url, params={"size": "huge"})).status_code == 422
    fallback = await client.get(f"/api/v1/artists/{artist['id']}/image", headers={"Accept": "image/jpeg"})
    assert fallback.status_code == 200
    assert fallback.content == (data_dir / relative / "medium.jpg").read_bytes()
    lonely = await make_artist(client, "No Videos At All")
    assert (await client.get(f"/api/v1/artists/{lonely['id']}/image")).status_code == 404
