"""The yt-dlp cookies file: upload (0600, never returned), status, delete, and its use by downloads."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from mvidarr.models.user import Role
from tests.conftest import ClientAs
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist, make_video
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio

COOKIES = (
    "# Netscape HTTP Cookie File\n"
    "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tsecret-cookie-value\n"
    "#HttpOnly_.example.org\tTRUE\t/\tTRUE\t2000000000\tother\tx\n"
)


def upload(client: httpx.AsyncClient, data: bytes) -> Any:
    return client.put("/api/v1/downloads/cookies", files={"file": ("cookies.txt", data, "text/plain")})


async def test_upload_status_and_delete(client: httpx.AsyncClient, settings: Any) -> None:
    assert (await client.get("/api/v1/downloads/cookies")).json() == {
        "present": False,
        "size": None,
        "updated_at": None,
    }
    stored = await upload(client, COOKIES.encode())
    assert stored.status_code == 200, stored.text
    assert stored.json()["present"] is True
    assert stored.json()["size"] == len(COOKIES.encode())
    assert "secret-cookie-value" not in stored.text

    path = settings.data_dir / "cookies" / "cookies.txt"
    assert path.read_text() == COOKIES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    status = await client.get("/api/v1/downloads/cookies")
    assert status.json()["present"] is True
    assert "secret-cookie-value" not in status.text

    replaced = await upload(client, b"# Netscape HTTP Cookie File\n")
    assert replaced.json()["size"] == len(b"# Netscape HTTP Cookie File\n")
    assert [p.name for p in path.parent.iterdir()] == ["cookies.txt"], "no temp file left behind"

    assert (await client.delete("/api/v1/downloads/cookies")).status_code == 204
    assert not path.exists()
    assert (await client.get("/api/v1/downloads/cookies")).json()["present"] is False
    assert (await client.delete("/api/v1/downloads/cookies")).status_code == 204, "deleting twice is fine"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\xff\xfe not utf-8", 422),
        (b"just some text\n", 422),
        (b"127.0.0.1\tFALSE\t/\n", 422),
        (b"#" * (1024 * 1024 + 1), 413),
    ],
)
async def test_bad_cookie_files_are_refused(client: httpx.AsyncClient, settings: Any, data: bytes, status: int) -> None:
    response = await upload(client, data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not (settings.data_dir / "cookies" / "cookies.txt").exists()


async def test_cookies_are_for_admins_only(client_as: ClientAs) -> None:
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/downloads/cookies")).status_code == 403
    assert (await upload(manager, COOKIES.encode())).status_code == 403
    assert (await manager.delete("/api/v1/downloads/cookies")).status_code == 403


async def test_downloads_send_the_cookies_and_never_rewrite_the_stored_file(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    media_server: MediaServer,
    library: Path,
    settings: Any,
) -> None:
    assert (await upload(client, COOKIES.encode())).status_code == 200
    path = settings.data_dir / "cookies" / "cookies.txt"
    before = path.stat()
    artist = await make_artist(client, "Stereolab")
    video = await make_video(
        client, artist["id"], "French Disko", sources=[{"url": media_server.url("/media/clip.mp4")}]
    )
    job = await wait_for(db, (await client.post(f"/api/v1/videos/{video['id']}/download")).json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.error_detail)
    assert media_server.cookies
    assert all(c == "session=secret-cookie-value" for c in media_server.cookies)
    after = path.stat()
    assert path.read_text() == COOKIES, "yt-dlp wrote to a private copy, not the stored file"
    assert (after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == (before.st_mtime_ns, 0o600)
    assert not [p for p in library.rglob("*") if "cookies" in p.name]
