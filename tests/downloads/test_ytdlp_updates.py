"""yt-dlp updates: the check against a PyPI JSON API, the update with pip, the self-test and the rollback.

Nothing touches the real environment: the updates go into a throwaway venv under tmp, from a local
PEP 503 simple index serving wheels built here — a good `yt-dlp` 2026.1.1 and 2026.3.3 (a tiny
`yt_dlp.YoutubeDL` whose extract_info reads a page) and a broken 2026.2.2 (its import fails).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import threading
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.downloads import updates
from mvidarr.jobs.runner import Runner
from mvidarr.models import JobStatus
from mvidarr.models.user import Role
from tests.conftest import ClientAs
from tests.jobs.helpers import wait_for

pytestmark = pytest.mark.anyio

GOOD = """
import urllib.request

from yt_dlp import version


class YoutubeDL:
    def __init__(self, params=None):
        self.params = params or {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def extract_info(self, url, download=True):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=10) as answer:
            kind = answer.headers.get("Content-Type", "")
        if not kind.startswith("video/"):
            raise RuntimeError("Unsupported URL: " + url)
        return {"id": "self-test", "title": "self-test", "url": url}
"""
BROKEN = "raise ImportError('this yt-dlp release is broken')\n"
RELEASES = {"2026.1.1": GOOD, "2026.2.2": BROKEN, "2026.3.3": GOOD}


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(folder: Path, version: str, init: str) -> Path:
    """A pure-Python wheel of a package named yt-dlp (module yt_dlp), as pip expects one."""
    dist = f"yt_dlp-{version}.dist-info"
    files = {
        "yt_dlp/__init__.py": init.encode(),
        "yt_dlp/version.py": f"__version__ = {version!r}\n".encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: yt-dlp\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: mvidarr-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    record += f"{dist}/RECORD,,\n"
    path = folder / f"yt_dlp-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{dist}/RECORD", record)
    return path


@dataclass
class PackageIndex:
    """A PEP 503 simple index (`/simple/yt-dlp/`) and PyPI's JSON API (`/pypi/yt-dlp/json`) on loopback."""

    folder: Path
    latest: str = "2026.3.3"
    port: int = 0
    json_requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Throwaway:
    python: str
    index: PackageIndex


def _serve(index: PackageIndex) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/pypi/yt-dlp/json":
                index.json_requests.append(path)
                body = {"info": {"name": "yt-dlp", "version": index.latest}, "releases": {v: [] for v in RELEASES}}
                self._send(200, json.dumps(body).encode(), "application/json")
            elif path in ("/simple/yt-dlp/", "/simple/yt-dlp"):
                links = "".join(
                    f'<a href="/files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{w.name}</a>\n'
                    for w in sorted(index.folder.glob("*.whl"))
                )
                self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode(), "text/html")
            elif path.startswith("/files/") and (index.folder / path.removeprefix("/files/")).is_file():
                self._send(200, (index.folder / path.removeprefix("/files/")).read_bytes(), "application/octet-stream")
            else:
                self._send(404, b"not found", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    index.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="package-index", daemon=True).start()
    return server


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Throwaway]:
    """A venv under tmp with pip and yt-dlp 2026.1.1 from the local index."""
    root = tmp_path_factory.mktemp("ytdlp-updates")
    wheels = root / "wheels"
    wheels.mkdir()
    for version, init in RELEASES.items():
        build_wheel(wheels, version, init)
    index = PackageIndex(wheels)
    server = _serve(index)
    env = root / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env)
    python = str(env / "bin" / "python")
    assert python != sys.executable
    try:
        _pip_install(python, index, "2026.1.1")
        yield Throwaway(python=python, index=index)
    finally:
        server.shutdown()
        server.server_close()


def _pip_install(python: str, index: PackageIndex, version: str) -> None:
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--index-url", f"{index.base}/simple",
         f"yt-dlp=={version}"],
        check=True,
        capture_output=True,
    )  # fmt: skip


@pytest.fixture
def fresh(throwaway: Throwaway) -> Throwaway:
    """The throwaway venv back at yt-dlp 2026.1.1, the index's newest at 2026.3.3."""
    _pip_install(throwaway.python, throwaway.index, "2026.1.1")
    throwaway.index.latest = "2026.3.3"
    return throwaway


@pytest.fixture
def settings(settings: Settings, throwaway: Throwaway) -> Settings:
    return settings.model_copy(update={"ytdlp_python": throwaway.python})


def test_versions_compare_as_dates() -> None:
    assert updates.is_newer("2026.10.26", "2026.9.30")
    assert updates.is_newer("2026.10.26.1", "2026.10.26")
    assert not updates.is_newer("2026.10.26", "2026.10.26")
    assert not updates.is_newer("2026.1.1", "2026.10.26")
    assert not updates.is_newer("2026.10.26", "2026.10.27.dev0"), "a dev build is not compared"
    assert not updates.is_newer(None, "2026.10.26")


async def test_an_update_is_self_tested_and_a_broken_one_rolled_back(fresh: Throwaway) -> None:
    python, index_url = fresh.python, f"{fresh.index.base}/simple"
    assert await updates.installed_version(python) == "2026.1.1"
    assert await updates.installed_version(sys.executable) != "2026.1.1", "MVidarr's own venv is not touched"

    broken = await updates.update(python, "2026.2.2", index_url=index_url)
    assert broken.rolled_back
    assert broken.previous == "2026.1.1"
    assert broken.installed == "2026.1.1"
    assert broken.reason is not None
    assert "self-test failed" in broken.reason
    assert "this yt-dlp release is broken" in broken.reason
    assert await updates.installed_version(python) == "2026.1.1", "the previous version is back"

    good = await updates.update(python, "2026.3.3", index_url=index_url)
    assert not good.rolled_back
    assert (good.previous, good.installed) == ("2026.1.1", "2026.3.3")
    assert await updates.installed_version(python) == "2026.3.3"

    with pytest.raises(updates.UpdateFailed, match=r"pip could not install yt-dlp 2099\.1\.1"):
        await updates.update(python, "2099.1.1", index_url=index_url)
    assert await updates.installed_version(python) == "2026.3.3", "a failed pip changed nothing"


async def _point_at(client: httpx.AsyncClient, fresh: Throwaway, **more: Any) -> None:
    changed = await client.patch(
        "/api/v1/settings",
        json={
            "downloads.ytdlp_pypi_url": f"{fresh.index.base}/pypi",
            "downloads.ytdlp_package_index": f"{fresh.index.base}/simple",
            **more,
        },
    )
    assert changed.status_code == 200, changed.text


async def test_check_warns_while_outdated_and_update_now_installs_the_newest(
    client: httpx.AsyncClient, db: Database, runner: Runner, fresh: Throwaway
) -> None:
    await _point_at(client, fresh)
    before = (await client.get("/api/v1/downloads/ytdlp")).json()
    assert before["installed"] == "2026.1.1"
    assert before["latest"] is None
    assert before["mode"] == "notify"

    check = await client.post("/api/v1/downloads/ytdlp/check")
    assert check.status_code == 202, check.text
    checked = await wait_for(db, check.json()["id"], within_s=60)
    assert checked.status == JobStatus.SUCCEEDED, checked.error
    assert checked.result is not None
    assert checked.result["outdated"] is True
    assert "update_job" not in checked.result, "notify mode does not install by itself"
    status = (await client.get("/api/v1/downloads/ytdlp")).json()
    assert (status["installed"], status["latest"], status["outdated"]) == ("2026.1.1", "2026.3.3", True)
    assert "Update to 2026.3.3" in (await client.get("/system")).text
    warned = (await client.get("/api/v1/system/warnings")).json()["items"]
    assert any(w["source"] == "yt_dlp" and "2026.3.3 is out" in w["message"] for w in warned), warned

    update = await client.post("/api/v1/downloads/ytdlp/update")
    assert update.status_code == 202, update.text
    updated = await wait_for(db, update.json()["id"], within_s=300)
    assert updated.status == JobStatus.SUCCEEDED, updated.error
    assert updated.result == {"previous": "2026.1.1", "installed": "2026.3.3", "rolled_back": False}
    status = (await client.get("/api/v1/downloads/ytdlp")).json()
    assert (status["installed"], status["outdated"]) == ("2026.3.3", False)
    warned = (await client.get("/api/v1/system/warnings")).json()["items"]
    assert not [w for w in warned if w["source"] == "yt_dlp"], warned
    page = (await client.get("/system")).text
    assert 'id="ytdlp"' in page
    assert "2026.1.1 → 2026.3.3" in page, "the System page shows the last update"


async def test_a_broken_release_fails_the_update_job_with_the_rollback_reason(
    client: httpx.AsyncClient, db: Database, runner: Runner, fresh: Throwaway
) -> None:
    await _point_at(client, fresh)
    update = await client.post("/api/v1/downloads/ytdlp/update", json={"version": "2026.2.2"})
    assert update.status_code == 202, update.text
    job = await wait_for(db, update.json()["id"], within_s=300)
    assert job.status == JobStatus.FAILED
    assert job.error is not None
    assert "yt-dlp 2026.2.2 was rolled back to 2026.1.1: the self-test failed" in job.error
    assert "this yt-dlp release is broken" in job.error
    status = (await client.get("/api/v1/downloads/ytdlp")).json()
    assert status["installed"] == "2026.1.1"
    assert status["last_update"]["status"] == "failed"
    assert (await client.post("/api/v1/downloads/ytdlp/update", json={"version": "latest"})).status_code == 422


async def test_auto_mode_installs_and_pinned_mode_checks_nothing(
    client: httpx.AsyncClient, db: Database, runner: Runner, fresh: Throwaway
) -> None:
    await _point_at(client, fresh, **{"downloads.ytdlp_updates": "auto"})
    check = await wait_for(db, (await client.post("/api/v1/downloads/ytdlp/check")).json()["id"], within_s=60)
    assert check.status == JobStatus.SUCCEEDED, check.error
    assert check.result is not None
    child = await wait_for(db, check.result["update_job"], within_s=300)
    assert child.status == JobStatus.SUCCEEDED, child.error
    assert await updates.installed_version(fresh.python) == "2026.3.3"

    await _point_at(client, fresh, **{"downloads.ytdlp_updates": "pinned"})
    fresh.index.latest = "2026.4.4"
    asked = len(fresh.index.json_requests)
    pinned = await wait_for(db, (await client.post("/api/v1/downloads/ytdlp/check")).json()["id"], within_s=60)
    assert pinned.status == JobStatus.SUCCEEDED
    assert pinned.result is not None
    assert pinned.result["outdated"] is False
    assert len(fresh.index.json_requests) == asked, "a pinned yt-dlp asks PyPI nothing"
    refused = await client.post("/api/v1/downloads/ytdlp/update")
    assert refused.status_code == 409
    assert "pinned" in refused.json()["detail"]


async def test_yt_dlp_updates_are_for_admins_only(client_as: ClientAs) -> None:
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/downloads/ytdlp")).status_code == 403
    assert (await manager.post("/api/v1/downloads/ytdlp/check")).status_code == 403
    assert (await manager.post("/api/v1/downloads/ytdlp/update")).status_code == 403


async def test_the_self_test_passes_with_the_real_yt_dlp() -> None:
    """The self-test script against the yt-dlp MVidarr runs with (read only: nothing is installed)."""
    from importlib.metadata import version

    assert await updates.self_test(sys.executable) == version("yt-dlp")
