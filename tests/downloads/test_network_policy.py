"""Sources under the network policy: refused when submitted (422 naming the setting), and a source that
redirects to a private address while downloading fails the job with the policy's reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from tests.downloads.conftest import MediaServer
from tests.factories import make_artist
from tests.jobs.helpers import wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("library")]  # downloads need a root folder


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "urn:mvidarr:problem:network-refused"
    assert "refused by the network policy" in body["detail"]
    assert "network.allowed_private_hosts" in body["detail"]


async def no_private_hosts(client: httpx.AsyncClient, hosts: list[str] | None = None) -> None:
    saved = await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": hosts or []})
    assert saved.status_code == 200, saved.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/media/clip.mp4",
        "http://localhost:{port}/media/clip.mp4",  # a name that resolves to loopback
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/media/clip.mp4",
        "http://10.11.12.13/video.mp4",
    ],
)
async def test_private_sources_are_refused_when_submitted(
    client: httpx.AsyncClient, media_server: MediaServer, url: str
) -> None:
    await no_private_hosts(client)
    source = url.format(port=media_server.port)
    body = {"source_url": source, "download": True, "artist_name": "Goldfrapp", "title": "Utopia"}
    assert_refused(await client.post("/api/v1/videos", json=body))
    assert (await client.get("/api/v1/videos")).json()["total"] == 0
    assert media_server.hits == []

    artist = await make_artist(client, "Goldfrapp")
    video = (await client.post("/api/v1/videos", json={"artist_id": artist["id"], "title": "Ooh La La"})).json()
    assert_refused(await client.post(f"/api/v1/videos/{video['id']}/download", json={"source_url": source}))
    assert_refused(await client.post("/api/v1/monitors", json={"url": source}))
    monitor = (await client.post("/api/v1/monitors", json={"url": "https://www.youtube.com/@goldfrapp"})).json()
    assert_refused(await client.patch(f"/api/v1/monitors/{monitor['id']}", json={"url": source}))


async def test_the_allow_list_lets_a_lan_source_through(client: httpx.AsyncClient, media_server: MediaServer) -> None:
    await no_private_hosts(client, ["127.0.0.1"])
    body = {"source_url": media_server.url("/media/clip.mp4"), "download": True, "artist_name": "A", "title": "B"}
    assert (await client.post("/api/v1/videos", json=body)).status_code == 202


@pytest.fixture
def redirector() -> Iterator[str]:
    """A server on 127.0.0.2 (allowed by the tests: it plays a public site) that redirects `/to/<host:port/path>`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://" + self.path.removeprefix("/to/"))
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_redirect_to_loopback_while_downloading_fails_the_job(
    client: httpx.AsyncClient, db: Database, runner: Runner, media_server: MediaServer, redirector: str
) -> None:
    await no_private_hosts(client, ["127.0.0.2"])
    source = f"{redirector}/to/127.0.0.1:{media_server.port}/media/clip.mp4"
    body = {"source_url": source, "download": True, "artist_name": "Goldfrapp", "title": "Utopia"}
    accepted = await client.post("/api/v1/videos", json=body)
    assert accepted.status_code == 202, accepted.text
    job = await wait_for(db, accepted.json()["job"]["id"], within_s=60)
    assert job.status == JobStatus.FAILED
    assert "refused by the network policy" in (job.error or ""), job.error
    assert media_server.hits == [], "nothing reached the loopback server"
    video = (await client.get(f"/api/v1/videos/{accepted.json()['video']['id']}")).json()
    assert video["status"] == "failed"
    history = (await client.get("/api/v1/activity/history")).json()["items"]
    assert "refused by the network policy" in history[0]["download"]["reason"]


async def test_an_unreachable_source_is_502_not_503(client: httpx.AsyncClient) -> None:
    """Reading the title of a source that does not answer (a closed port on an allowed host) is the
    remote side's failure: a documented 502 problem, and nothing is added."""
    response = await client.post("/api/v1/videos", json={"source_url": "http://127.0.0.1:9/clip.mp4"})
    assert response.status_code == 502, response.text
    assert response.json()["type"] == "urn:mvidarr:problem:fetch-failed"
    assert (await client.get("/api/v1/videos")).json()["total"] == 0
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "502" in spec["paths"]["/api/v1/videos"]["post"]["responses"]
    assert "503" not in spec["paths"]["/api/v1/videos"]["post"]["responses"]
