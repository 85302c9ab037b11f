from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.media.ffmpeg import ffmpeg_binary
from mvidarr.media.probe import probe_file
from mvidarr.playback.responses import ProcessStreamResponse, TranscodeSlots
from mvidarr.playback.service import StreamSource, remux_command
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def video_with_file(
    client: httpx.AsyncClient, db: Database, library: Path, clip: Path, *, container: str, vcodec: str, acodec: str
) -> tuple[int, bytes]:
    from tests.factories import attach_file

    library.mkdir(exist_ok=True)
    artist = await make_artist(client, f"Streamer {clip.stem}")
    video = await make_video(client, artist["id"], clip.stem)
    target = library / f"v{video['id']}{clip.suffix}"
    data = clip.read_bytes()
    target.write_bytes(data)
    await attach_file(
        db,
        video["id"],
        str(library),
        relative_path=target.name,
        container=container,
        video_codec=vcodec,
        audio_codec=acodec,
        size=len(data),
    )
    return video["id"], data


@pytest.fixture
async def mp4_video(
    client: httpx.AsyncClient, db: Database, tmp_path: Path, clips: dict[str, Path]
) -> tuple[int, bytes]:
    return await video_with_file(
        client, db, tmp_path / "lib", clips["h264_720p.mp4"], container="mp4", vcodec="h264", acodec="aac"
    )


async def test_whole_file(client: httpx.AsyncClient, mp4_video: tuple[int, bytes]) -> None:
    video_id, data = mp4_video
    response = await client.get(f"/api/v1/videos/{video_id}/stream")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")


@pytest.mark.parametrize(
    ("header", "slice_of"),
    [
        ("bytes=0-1023", lambda n: (0, 1024)),
        ("bytes=1000-", lambda n: (1000, n)),
        ("bytes=-500", lambda n: (n - 500, n)),
        ("bytes=100-99999999", lambda n: (100, n)),
    ],
)
async def test_single_ranges_byte_for_byte(
    client: httpx.AsyncClient, mp4_video: tuple[int, bytes], header: str, slice_of: Any
) -> None:
    video_id, data = mp4_video
    start, stop = slice_of(len(data))
    response = await client.get(f"/api/v1/videos/{video_id}/stream", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == data[start:stop]
    assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(data)}"
    assert response.headers["content-length"] == str(stop - start)


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "bytes=abc", "lines=1-2", "bytes=9-0", "bytes=-"])
async def test_malformed_and_multi_ranges_get_the_whole_file(
    client: httpx.AsyncClient, mp4_video: tuple[int, bytes], header: str
) -> None:
    video_id, data = mp4_video
    response = await client.get(f"/api/v1/videos/{video_id}/stream", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == data


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=-0"])
async def test_unsatisfiable_range_is_416_problem(
    client: httpx.AsyncClient, mp4_video: tuple[int, bytes], header: str
) -> None:
    video_id, data = mp4_video
    response = await client.get(f"/api/v1/videos/{video_id}/stream", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-range"] == f"bytes */{len(data)}"


async def test_if_range_and_if_none_match(client: httpx.AsyncClient, mp4_video: tuple[int, bytes]) -> None:
    video_id, data = mp4_video
    url = f"/api/v1/videos/{video_id}/stream"
    etag = (await client.head(url)).headers["etag"]
    current = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert current.status_code == 206
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"0-0"'})
    assert stale.status_code == 200
    assert stale.content == data
    cached = await client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""


async def test_head_sends_headers_only(client: httpx.AsyncClient, mp4_video: tuple[int, bytes]) -> None:
    video_id, data = mp4_video
    response = await client.head(f"/api/v1/videos/{video_id}/stream")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(data))
    assert response.content == b""


async def test_no_file_missing_file_and_escaping_symlink_are_404(
    client: httpx.AsyncClient, db: Database, tmp_path: Path, clips: dict[str, Path]
) -> None:
    from tests.factories import attach_file

    artist = await make_artist(client, "Nobody Home")
    bare = await make_video(client, artist["id"], "No File Yet")
    assert (await client.get(f"/api/v1/videos/{bare['id']}/stream")).status_code == 404
    assert (await client.get("/api/v1/videos/424242/stream")).status_code == 404

    library = tmp_path / "lib"
    library.mkdir()
    gone = await make_video(client, artist["id"], "Deleted Behind Our Back")
    await attach_file(db, gone["id"], str(library), relative_path="gone.mp4")
    response = await client.get(f"/api/v1/videos/{gone['id']}/stream")
    assert response.status_code == 404
    assert "missing on disk" in response.json()["detail"]

    outside = tmp_path / "outside.mp4"
    outside.write_bytes(clips["h264_360p.mp4"].read_bytes())
    os.symlink(outside, library / "escape.mp4")
    escaping = await make_video(client, artist["id"], "Symlink Out")
    await attach_file(db, escaping["id"], str(library), relative_path="escape.mp4")
    response = await client.get(f"/api/v1/videos/{escaping['id']}/stream")
    assert response.status_code == 404
    assert "outside its root folder" in response.json()["detail"]


@pytest.mark.parametrize(
    ("clip", "container", "vcodec", "acodec"),
    [("hevc.mkv", "matroska", "hevc", "aac"), ("mpeg4.avi", "avi", "mpeg4", "mp3")],
)
async def test_files_browsers_cannot_play_are_remuxed_to_mp4(
    client: httpx.AsyncClient,
    db: Database,
    tmp_path: Path,
    clips: dict[str, Path],
    clip: str,
    container: str,
    vcodec: str,
    acodec: str,
) -> None:
    video_id, _ = await video_with_file(
        client, db, tmp_path / "lib", clips[clip], container=container, vcodec=vcodec, acodec=acodec
    )
    response = await client.get(f"/api/v1/videos/{video_id}/stream")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "none"
    out = tmp_path / "remuxed.mp4"
    out.write_bytes(response.content)
    probed = probe_file(str(out))
    assert probed.error is None
    assert (probed.container, probed.video_codec, probed.width, probed.height) == ("mp4", "h264", 640, 360)
    assert probed.audio_codec in ("aac", "mp3")


async def test_remux_mode_copies_h264(client: httpx.AsyncClient, mp4_video: tuple[int, bytes], tmp_path: Path) -> None:
    video_id, _ = mp4_video
    response = await client.get(f"/api/v1/videos/{video_id}/stream", params={"mode": "remux"})
    out = tmp_path / "copy.mp4"
    out.write_bytes(response.content)
    assert probe_file(str(out)).video_codec == "h264"


async def test_no_free_transcoder_is_503(
    app: Any, client: httpx.AsyncClient, db: Database, tmp_path: Path, clips: dict[str, Path]
) -> None:
    video_id, _ = await video_with_file(
        client, db, tmp_path / "lib", clips["hevc.mkv"], container="matroska", vcodec="hevc", acodec="aac"
    )
    app.state.transcode_slots = TranscodeSlots(0)
    response = await client.get(f"/api/v1/videos/{video_id}/stream")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_client_leaving_kills_ffmpeg_and_frees_the_slot(clips: dict[str, Path]) -> None:
    path = clips["h264_1080p.mp4"]
    source = StreamSource(path, path.stat().st_size, 0.0, 0, "mp4", "hevc", "aac")  # forces a transcode
    slots = TranscodeSlots(1)
    assert slots.try_take()
    response = ProcessStreamResponse(
        remux_command(ffmpeg_binary(None), source), headers={"Content-Type": "video/mp4"}, slots=slots
    )
    chunks: list[bytes] = []
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            disconnected.set()

    await asyncio.wait_for(response({"type": "http"}, receive, send), timeout=20)
    assert chunks, "some output was sent before the client left"
    assert slots.free == 1, "the slot came back"
    assert _ffmpeg_processes(path) == [], "ffmpeg was stopped"


def _ffmpeg_processes(source: Path) -> list[int]:
    """Live processes (not zombies) whose command line reads `source`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(b"ffmpeg" in part for part in cmdline[:1]) and str(source).encode() in cmdline:
            found.append(int(proc.name))
    return found


async def test_a_remux_is_sent_without_a_false_length_and_says_its_duration(
    client: httpx.AsyncClient, db: Database, tmp_path: Path, clips: dict[str, Path]
) -> None:
    video_id, _ = await video_with_file(
        client, db, tmp_path / "lib", clips["hevc.mkv"], container="matroska", vcodec="hevc", acodec="aac"
    )
    async with db.writer() as session:
        from sqlalchemy import update

        from mvidarr.models import MediaFile

        await session.execute(update(MediaFile).values(duration_s=1.0))
        await session.commit()
    for method in ("GET", "HEAD"):
        response = await client.request(method, f"/api/v1/videos/{video_id}/stream")
        assert response.status_code == 200
        assert "content-length" not in response.headers, f"{method}: a remux has no known length"
        assert response.headers["x-content-duration"] == "1.000"
        assert response.headers["x-stream-start"] == "0.000"
    assert len((await client.get(f"/api/v1/videos/{video_id}/stream")).content) > 1000


async def test_a_remux_starts_where_the_player_seeks(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    from tests.fixtures.media import ClipSpec, make_clip

    clip = make_clip(
        tmp_path / "made",
        ClipSpec("long.mkv", "matroska", "libx264", "ac3", 320, 240, fps=10, seconds=6.0, options={"g": "10"}),
    )
    video_id, _ = await video_with_file(
        client, db, tmp_path / "lib", clip, container="matroska", vcodec="h264", acodec="ac3"
    )
    whole = await client.get(f"/api/v1/videos/{video_id}/stream")
    later = await client.get(f"/api/v1/videos/{video_id}/stream", params={"start": 4})
    assert later.headers["x-stream-start"] == "4.000"
    durations = []
    for name, response in (("whole.mp4", whole), ("later.mp4", later)):
        out = tmp_path / name
        out.write_bytes(response.content)
        probed = probe_file(str(out))
        assert probed.error is None, probed.error
        assert (probed.video_codec, probed.audio_codec) == ("h264", "aac")
        durations.append(probed.duration_s or 0.0)
    assert durations[0] == pytest.approx(6.0, abs=0.5)
    assert durations[1] == pytest.approx(2.0, abs=0.5), "the stream starts 4 s in"
    refused = await client.get(f"/api/v1/videos/{video_id}/stream", params={"start": -1})
    assert refused.status_code == 422


async def test_aac_from_mpeg_ts_is_remuxed_whole(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    """ADTS AAC (MPEG-TS) needs a bitstream filter to go into MP4: without it ffmpeg stopped after 0.1 s."""
    from tests.fixtures.media import ClipSpec, make_clip

    clip = make_clip(tmp_path / "made", ClipSpec("tv.ts", "mpegts", "libx264", "aac", 320, 180, fps=12, seconds=3.0))
    video_id, _ = await video_with_file(
        client, db, tmp_path / "lib", clip, container="mpegts", vcodec="h264", acodec="aac"
    )
    response = await client.get(f"/api/v1/videos/{video_id}/stream")
    out = tmp_path / "tv.mp4"
    out.write_bytes(response.content)
    probed = probe_file(str(out))
    assert probed.error is None, probed.error
    assert probed.duration_s == pytest.approx(3.0, abs=0.3)
