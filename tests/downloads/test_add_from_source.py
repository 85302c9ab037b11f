"""`POST /videos` with `source_url`: add a video from a source and download it (202 with video and job)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.downloads import service as download_service
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from mvidarr.models.user import Role
from tests.conftest import ClientAs
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist
from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
from tests.jobs.helpers import wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("library")]  # downloads need a root folder


async def test_source_url_with_artist_and_title_adds_and_downloads(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, library: Path
) -> None:
    url = media_server.url("/media/clip.mp4")
    response = await client.post(
        "/api/v1/videos", json={"source_url": url, "download": True, "artist_name": "Goldfrapp", "title": "Utopia"}
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"video", "job"}
    video, job = body["video"], body["job"]
    assert (video["title"], video["artist"]["name"]) == ("Utopia", "Goldfrapp")
    assert video["sources"][0]["url"] == url
    assert job["type"] == "video.download"
    assert job["params"]["source_url"] == url
    artists = (await client.get("/api/v1/artists", params={"q": "Goldfrapp"})).json()
    assert artists["total"] == 1, "the artist was created"

    done = await wait_for(db, job["id"], within_s=60)
    assert done.status == JobStatus.SUCCEEDED, (done.error, done.error_detail)
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "downloaded"
    placed = list(library.rglob("*.mp4"))
    assert len(placed) == 1
    assert placed[0].name.startswith("Goldfrapp - Utopia")


async def test_artist_and_title_come_from_the_source_title(
    client: httpx.AsyncClient, media_server: MediaServer, media_folder: Path
) -> None:
    existing = await make_artist(client, "Daft Punk")
    media_server.extra["/media/Daft%20Punk%20-%20Around%20the%20World%20(Official%20Video).mp4"] = (
        media_folder / "clip.mp4"
    ).read_bytes()
    url = media_server.url("/media/Daft%20Punk%20-%20Around%20the%20World%20(Official%20Video).mp4")
    response = await client.post("/api/v1/videos", json={"source_url": url, "download": True})
    assert response.status_code == 202, response.text
    video = response.json()["video"]
    assert video["title"] == "Around the World"
    assert video["artist"]["id"] == existing["id"], "an existing artist is reused, not duplicated"
    assert video["status"] == "queued"


async def test_a_joint_credit_in_the_source_title_is_split_unless_a_provider_says_it_is_one_artist(
    client: httpx.AsyncClient,
    media_server: MediaServer,
    media_folder: Path,
    provider_hub_on_fake: Any,  # noqa: F811
) -> None:
    """The fake's MusicBrainz knows Simon & Garfunkel as one artist, and nobody "Calvin Harris x Dua Lipa"."""
    credited = {}
    for name in ("Calvin Harris x Dua Lipa - One Kiss (Official Video)", "Simon & Garfunkel - The Boxer"):
        path = "/media/" + name.replace(" ", "%20") + ".mp4"
        media_server.extra[path] = (media_folder / "clip.mp4").read_bytes()
        response = await client.post("/api/v1/videos", json={"source_url": media_server.url(path), "download": True})
        assert response.status_code == 202, response.text
        video = response.json()["video"]
        credited[video["title"]] = (video["artist"]["name"], video["featured_artists"])
    assert credited == {"One Kiss": ("Calvin Harris", ["Dua Lipa"]), "The Boxer": ("Simon & Garfunkel", [])}


async def test_source_without_an_artist_in_its_title_asks_for_artist_name(
    client: httpx.AsyncClient, media_server: MediaServer
) -> None:
    response = await client.post("/api/v1/videos", json={"source_url": media_server.url("/media/clip.mp4")})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "artist_name"]
    assert (await client.get("/api/v1/videos")).json()["total"] == 0


async def test_a_source_that_never_answers_is_502_within_the_deadline_and_adds_nothing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_service, "INFO_TIMEOUT_S", 1.5)
    with socket.create_server(("127.0.0.1", 0), backlog=8) as stalled:  # connects, never answers
        url = f"http://127.0.0.1:{stalled.getsockname()[1]}/Daft%20Punk%20-%20Da%20Funk.mp4"
        started = time.monotonic()
        response = await client.post("/api/v1/videos", json={"source_url": url})
        took = time.monotonic() - started
    assert response.status_code == 502, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "did not answer within 1.5 s" in response.json()["detail"]
    assert "send artist_name and title" in response.json()["detail"]
    assert took < 13, "the request waited for yt-dlp's own 15 s socket timeout, not the deadline"
    assert (await client.get("/api/v1/videos")).json()["total"] == 0


async def test_unreadable_source_is_422_and_adds_nothing(client: httpx.AsyncClient, media_server: MediaServer) -> None:
    response = await client.post("/api/v1/videos", json={"source_url": media_server.url("/status/404")})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "source_url"]
    assert "404" in response.json()["detail"]
    assert (await client.get("/api/v1/videos")).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"source_url": "ftp://example.org/x.mp4"}, ["body", "source_url"]),
        ({"source_url": "http://127.0.0.1/x.mp4", "download": False}, ["body", "download"]),
        ({"source_url": "http://127.0.0.1/x.mp4", "artist_name": ""}, ["body", "artist_name"]),
        ({"source_url": "http://127.0.0.1/x.mp4", "title": "t" * 501}, ["body", "title"]),
        ({"source_url": "http://127.0.0.1/x.mp4", "artist_id": 1}, ["body", "artist_id"]),
        ({"title": "no artist id"}, ["body", "artist_id"]),
    ],
)
async def test_bad_source_bodies(client: httpx.AsyncClient, body: dict[str, Any], loc: list[object]) -> None:
    response = await client.post("/api/v1/videos", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert (await client.get("/api/v1/videos")).json()["total"] == 0


async def test_plain_create_still_answers_201_with_the_video(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Kate Bush")
    response = await client.post("/api/v1/videos", json={"artist_id": artist["id"], "title": "Running Up That Hill"})
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Running Up That Hill"
    assert "job" not in response.json()


async def test_source_requires_the_manager_role(
    client: httpx.AsyncClient, client_as: ClientAs, media_server: MediaServer
) -> None:
    user = await client_as(Role.USER)
    response = await user.post(
        "/api/v1/videos", json={"source_url": media_server.url("/media/clip.mp4"), "artist_name": "A", "title": "B"}
    )
    assert response.status_code == 403
    assert (await client.get("/api/v1/videos")).json()["total"] == 0
