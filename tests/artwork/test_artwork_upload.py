"""Artwork upload, crop and from-URL: decoded to prove it is an image, re-encoded without metadata,
stored where the image routes serve it from; remote URLs go through the guarded fetcher."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from PIL import Image

from mvidarr.artwork.service import MAX_UPLOAD_BYTES
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.models import Artist, Video
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


def picture(width: int = 400, height: int = 200, fmt: str = "JPEG", *, exif: bool = True) -> bytes:
    """Left half red, right half blue; with camera make and a comment in its metadata."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam"  # Make
        tags[0x9286] = "private comment"  # UserComment
        options["exif"] = tags.tobytes()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


async def _video(client: httpx.AsyncClient) -> int:
    artist = await make_artist(client, "Massive Attack")
    return int((await make_video(client, artist["id"], "Teardrop"))["id"])


async def _row(db: Database, model: type[Video] | type[Artist], row_id: int) -> Any:
    async with db.reader() as session:
        return await session.get(model, row_id)


async def test_upload_reencodes_without_metadata_and_serves_it(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    video_id = await _video(client)
    original = picture()
    assert b"SecretCam" in original
    response = await client.post(
        f"/api/v1/videos/{video_id}/artwork", files={"file": ("cover.jpg", original, "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "upload"
    assert (body["width"], body["height"]) == (400, 200)
    row = await _row(db, Video, video_id)
    assert row.thumbnail_path == body["thumbnail_path"]
    assert row.artwork_source == "upload"
    folder = settings.data_dir / body["thumbnail_path"]
    for name in ("small.jpg", "medium.webp", "large.jpg", "source.jpg"):
        data = (folder / name).read_bytes()
        assert b"SecretCam" not in data
        assert b"private comment" not in data
        with Image.open(io.BytesIO(data)) as stored:
            assert not stored.getexif()
    served = await client.get(f"/api/v1/videos/{video_id}/thumbnail", params={"size": "small"})
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.width == 320  # small, from a 400 px picture


async def test_upload_with_crop_box_keeps_only_the_box(client: httpx.AsyncClient, settings: Settings) -> None:
    artist = await make_artist(client, "Portishead")
    response = await client.post(
        f"/api/v1/artists/{artist['id']}/artwork",
        files={"file": ("a.png", picture(fmt="PNG", exif=False), "image/png")},
        data={"crop_x": "0.5", "crop_y": "0", "crop_width": "0.5", "crop_height": "1"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["owner"], body["width"], body["height"]) == ("artist", 200, 200)
    with Image.open(settings.data_dir / body["thumbnail_path"] / "large.jpg") as image:
        red, _green, blue = image.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
        assert blue > 200, "only the blue right half is left"
        assert red < 60
    image_route = await client.get(f"/api/v1/artists/{artist['id']}/image")
    assert image_route.status_code == 200


async def test_crop_again_from_the_kept_source_and_old_folder_goes(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    video_id = await _video(client)
    first = (
        await client.post(f"/api/v1/videos/{video_id}/artwork", files={"file": ("c.jpg", picture(), "image/jpeg")})
    ).json()
    cropped = await client.post(
        f"/api/v1/videos/{video_id}/artwork/crop", json={"crop": {"x": 0, "y": 0, "width": 0.25, "height": 0.5}}
    )
    assert cropped.status_code == 200, cropped.text
    assert (cropped.json()["width"], cropped.json()["height"]) == (100, 100)
    assert cropped.json()["thumbnail_path"] != first["thumbnail_path"]
    assert not (settings.data_dir / first["thumbnail_path"]).exists()


async def test_crop_without_uploaded_artwork_is_a_conflict(client: httpx.AsyncClient) -> None:
    video_id = await _video(client)
    response = await client.post(
        f"/api/v1/videos/{video_id}/artwork/crop", json={"crop": {"x": 0, "y": 0, "width": 1, "height": 1}}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("payload", "fields", "status"),
    [
        (b"GIF89a not really", {}, 422),
        (b"#!/bin/sh\necho hi\n", {}, 422),
        (b"", {}, 422),
        (picture(), {"crop_x": "0.5", "crop_y": "0", "crop_width": "0.6", "crop_height": "1"}, 422),
        (picture(), {"crop_x": "0.5"}, 422),
        (picture(width=8, height=8), {}, 422),
    ],
)
async def test_bad_uploads_are_refused(
    client: httpx.AsyncClient, payload: bytes, fields: dict[str, str], status: int
) -> None:
    video_id = await _video(client)
    response = await client.post(
        f"/api/v1/videos/{video_id}/artwork", files={"file": ("x.jpg", payload, "image/jpeg")}, data=fields
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert " object at 0x" not in response.json()["detail"]  # no program insides in words for people


async def test_too_large_upload_is_413_and_unknown_owner_404(client: httpx.AsyncClient) -> None:
    video_id = await _video(client)
    big = b"\xff\xd8" + b"\x00" * (MAX_UPLOAD_BYTES + 1)
    response = await client.post(f"/api/v1/videos/{video_id}/artwork", files={"file": ("x.jpg", big, "image/jpeg")})
    assert response.status_code == 413
    missing = await client.post("/api/v1/artists/999999/artwork", files={"file": ("x.jpg", picture(), "image/jpeg")})
    assert missing.status_code == 404


async def test_json_routes_keep_the_small_body_cap(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/artists", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert response.status_code == 413


class _ImageServer(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = picture(300, 300, "PNG", exif=False)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def image_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cover.png"
    finally:
        server.shutdown()
        server.server_close()


async def test_from_url_is_refused_for_loopback_until_the_setting_allows(
    client: httpx.AsyncClient, db: Database, image_server: str
) -> None:
    video_id = await _video(client)
    refused = await client.post(f"/api/v1/videos/{video_id}/artwork/url", json={"url": image_server})
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:mvidarr:problem:network-refused"
    metadata = await client.post(
        f"/api/v1/videos/{video_id}/artwork/url", json={"url": "http://169.254.169.254/latest/meta-data/"}
    )
    assert metadata.status_code == 422
    assert (await _row(db, Video, video_id)).thumbnail_path is None

    allowed = await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
    assert allowed.status_code == 200, allowed.text
    fetched = await client.post(
        f"/api/v1/videos/{video_id}/artwork/url",
        json={"url": image_server, "crop": {"x": 0, "y": 0, "width": 0.5, "height": 0.5}},
    )
    assert fetched.status_code == 200, fetched.text
    assert (fetched.json()["source"], fetched.json()["width"]) == ("url", 150)
    assert (await _row(db, Video, video_id)).artwork_source == "url"


async def test_from_url_unreachable_is_502(client: httpx.AsyncClient, image_server: str) -> None:
    video_id = await _video(client)
    await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]})
    dead = image_server.rsplit(":", 1)[0] + ":1/x.png"
    response = await client.post(f"/api/v1/videos/{video_id}/artwork/url", json={"url": dead})
    assert response.status_code == 502
    scheme = await client.post(f"/api/v1/videos/{video_id}/artwork/url", json={"url": "file:///etc/passwd"})
    assert scheme.status_code == 422


async def test_artist_fanart_is_served_and_shown_on_the_artist_page(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Fanart Band")
    plain = await make_artist(client, "No Fanart Band")
    uploaded = await client.post(
        f"/api/v1/artists/{artist['id']}/artwork", files={"file": ("a.jpg", picture(), "image/jpeg")}
    )
    assert uploaded.status_code == 200, uploaded.text
    async with db.writer() as session:
        row = await session.get(Artist, artist["id"])
        assert row is not None
        row.fanart_path = uploaded.json()["thumbnail_path"]  # as enrichment stores a provider's fanart
        await session.commit()
    fanart = await client.get(f"/api/v1/artists/{artist['id']}/fanart", headers={"Accept": "image/jpeg"})
    assert fanart.status_code == 200
    assert fanart.headers["content-type"] == "image/jpeg"
    assert (await client.get(f"/api/v1/artists/{plain['id']}/fanart")).status_code == 404
    page = (await client.get(f"/artists/{artist['id']}")).text
    assert f'class="fanart" src="/api/v1/artists/{artist["id"]}/fanart?size=large"' in page
    assert "/fanart" not in (await client.get(f"/artists/{plain['id']}")).text
