"""First run: the default library folder is the first root folder; MVidarr's own and the system's
folders never are; scans and downloads with nowhere to go are refused up front with what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mvidarr.app import create_app
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.models import Role, RootFolder
from tests.conftest import access_token, http_client, make_user
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def _roots(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/root-folders")
    assert response.status_code == 200
    return list(response.json())


@pytest.fixture
async def first_run(settings: Settings, db: Database) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app as `mvidarr serve` builds it: the default root folder switched on."""
    app = create_app(settings.model_copy(update={"default_root_folder": True}), database=db)
    async with app.router.lifespan_context(app):
        admin = await make_user(app, "admin", Role.ADMIN)
        async with http_client(app, await access_token(app, admin)) as client:
            yield app, client


async def test_the_default_library_folder_is_the_first_root_folder(
    first_run: tuple[Any, httpx.AsyncClient], settings: Settings
) -> None:
    _app, client = first_run
    roots = await _roots(client)
    assert [(r["path"], r["name"], r["accessible"]) for r in roots] == [
        (str(settings.library_path.resolve()), "Library", True)
    ]
    assert settings.library_path.is_dir()
    scan = await client.post("/api/v1/library/scan")  # no body: every root folder
    assert scan.status_code == 202, scan.text
    assert scan.json()["type"] == "library.scan"


async def test_a_second_start_adds_no_second_root_folder(settings: Settings, db: Database) -> None:
    on = settings.model_copy(update={"default_root_folder": True})
    for _ in range(2):
        app = create_app(on, database=db)
        async with app.router.lifespan_context(app):
            pass
    async with db.writer() as session:
        assert await session.scalar(select(func.count()).select_from(RootFolder)) == 1


async def test_no_root_folder_scan_and_downloads_are_refused_with_what_to_do(client: httpx.AsyncClient) -> None:
    assert await _roots(client) == []
    for response in (
        await client.post("/api/v1/library/scan"),
        await client.post("/api/v1/library/scan", json={}),
    ):
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"].endswith("no-root-folder")
        assert "Settings -> Library" in problem["detail"]
    artist = await make_artist(client, "Björk")
    video = await make_video(client, artist["id"], "Hyperballad")
    single = await client.post(f"/api/v1/videos/{video['id']}/download")
    assert single.status_code == 409, single.text
    assert "no root folder" in single.json()["detail"]
    many = await client.post("/api/v1/videos/download", json={"video_ids": [video["id"]]})
    assert many.status_code == 409, many.text
    before = (await client.get("/api/v1/videos")).json()["total"]
    by_url = await client.post(
        "/api/v1/videos",
        json={"source_url": "https://example.org/watch?v=1", "download": True, "artist_name": "A", "title": "B"},
    )
    assert by_url.status_code == 409, by_url.text
    assert (await client.get("/api/v1/videos")).json()["total"] == before  # nothing half-added
    assert (await client.get(f"/api/v1/videos/{video['id']}")).json()["status"] == "wanted"


@pytest.mark.parametrize("system", ["/", "/etc", "/usr/share", "/proc", "/tmp", "/var/lib", "/dev"])
async def test_system_folders_are_refused(client: httpx.AsyncClient, system: str) -> None:
    response = await client.post("/api/v1/root-folders", json={"path": system})
    assert response.status_code == 422, response.text
    assert "system folder" in response.json()["detail"]


async def test_the_data_folder_its_parents_and_its_insides_are_refused_but_the_library_is_not(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    data = settings.data_dir
    (data / "cache" / "pictures").mkdir(parents=True)
    for path, words in (
        (data, "is MVidarr's data folder"),
        (data.parent, "contains MVidarr's data folder"),
        (data / "cache", "inside MVidarr's data folder"),
        (data / "cache" / "pictures", "inside MVidarr's data folder"),
    ):
        response = await client.post("/api/v1/root-folders", json={"path": str(path)})
        assert response.status_code == 422, (path, response.text)
        assert words in response.json()["detail"], path
    settings.library_path.mkdir(parents=True, exist_ok=True)
    allowed = await client.post("/api/v1/root-folders", json={"path": str(settings.library_path)})
    assert allowed.status_code == 201, allowed.text


async def test_the_set_up_page_and_the_empty_dashboard_name_the_library_folder(
    first_run: tuple[Any, httpx.AsyncClient], settings: Settings
) -> None:
    _app, client = first_run
    dashboard = (await client.get("/")).text
    assert 'id="first-steps"' in dashboard
    assert str(settings.library_path.resolve()) in dashboard


async def test_the_set_up_page_names_the_library_folder(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"default_root_folder": True}), database=db)
    async with app.router.lifespan_context(app), http_client(app) as anonymous:
        page = (await anonymous.get("/setup")).text
    assert 'id="setup-library"' in page
    assert str(settings.library_path) in page
