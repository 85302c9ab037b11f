from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from mvidarr.db import Database
from mvidarr.models import Video, VideoStatus
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_add_list_rename_remove(client: httpx.AsyncClient, tmp_path: Path) -> None:
    folder = tmp_path / "Music Videos"
    folder.mkdir()
    created = await client.post("/api/v1/root-folders", json={"path": str(folder)})
    assert created.status_code == 201, created.text
    root = created.json()
    assert (root["name"], root["accessible"], root["file_count"]) == ("Music Videos", True, 0)
    assert root["free_space_bytes"] > 0

    renamed = await client.patch(f"/api/v1/root-folders/{root['id']}", json={"name": "Videos"})
    assert renamed.json()["name"] == "Videos"
    listed = (await client.get("/api/v1/root-folders")).json()
    assert [r["path"] for r in listed] == [str(folder)]
    removed = await client.delete(f"/api/v1/root-folders/{root['id']}")
    assert removed.status_code == 200
    assert removed.json() == {"files_forgotten": 0, "videos_missing": 0, "videos_removed": 0}
    assert (await client.get("/api/v1/root-folders")).json() == []


@pytest.mark.parametrize(
    ("make_path", "reason"),
    [
        (lambda base: str(base / "missing"), "does not exist"),
        (lambda base: str(base / "file.txt"), "not a directory"),
        (lambda base: "relative/path", "absolute"),
        (lambda base: f"{base}/sub/../sub", "'..'"),
    ],
)
async def test_bad_paths_are_422(client: httpx.AsyncClient, tmp_path: Path, make_path: object, reason: str) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "sub").mkdir()
    path = make_path(tmp_path)  # type: ignore[operator]
    response = await client.post("/api/v1/root-folders", json={"path": path})
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["body", "path"]
    assert (await client.get("/api/v1/root-folders")).json() == []


async def test_unwritable_path_is_422(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    if os.geteuid() == 0:
        # root may write anywhere, so deny it the way a read-only mount would.
        real_access = os.access
        monkeypatch.setattr(
            "mvidarr.library.roots.os.access",
            lambda path, mode: False if Path(path) == folder and mode & os.W_OK else real_access(path, mode),
        )
    response = await client.post("/api/v1/root-folders", json={"path": str(folder)})
    assert response.status_code == 422
    assert "not writable" in response.json()["detail"]


async def test_nested_and_duplicate_roots_conflict(client: httpx.AsyncClient, tmp_path: Path) -> None:
    base = tmp_path / "videos"  # not tmp_path itself: it holds the data folder, which is refused on its own
    (base / "a" / "b").mkdir(parents=True)
    assert (await client.post("/api/v1/root-folders", json={"path": str(base / "a")})).status_code == 201
    for path in (base / "a", base / "a" / "b", base):
        response = await client.post("/api/v1/root-folders", json={"path": str(path)})
        assert response.status_code == 409, path


async def _downloaded(db: Database, *video_ids: int) -> None:
    async with db.writer() as session:
        await session.execute(update(Video).where(Video.id.in_(video_ids)).values(status=VideoStatus.DOWNLOADED))
        await session.commit()


async def test_remove_root_with_files_needs_force(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    artist = await make_artist(client, "Sade")
    video = await make_video(client, artist["id"], "Smooth Operator")
    await attach_file(db, video["id"], str(tmp_path))
    await _downloaded(db, video["id"])
    root = (await client.get("/api/v1/root-folders")).json()[0]
    assert root["file_count"] == 1
    refused = await client.delete(f"/api/v1/root-folders/{root['id']}")
    assert refused.status_code == 409
    assert "videos=keep" in refused.json()["detail"]
    forced = await client.delete(f"/api/v1/root-folders/{root['id']}", params={"force": "true"})
    assert forced.status_code == 200
    assert forced.json() == {"files_forgotten": 1, "videos_missing": 1, "videos_removed": 0}
    kept = (await client.get(f"/api/v1/videos/{video['id']}")).json()
    assert kept["file"] is None
    assert kept["status"] == "missing"  # never "downloaded" with no file


async def test_remove_root_keeps_or_removes_its_videos(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    artist = await make_artist(client, "Massive Attack")
    kept = await make_video(client, artist["id"], "Teardrop")
    gone = await make_video(client, artist["id"], "Angel")
    elsewhere = await make_video(client, artist["id"], "Unfinished Sympathy")
    first, second = tmp_path / "one", tmp_path / "two"
    await attach_file(db, gone["id"], str(first))
    await attach_file(db, elsewhere["id"], str(second))
    await _downloaded(db, gone["id"], elsewhere["id"])
    roots = {r["path"]: r for r in (await client.get("/api/v1/root-folders")).json()}
    assert set(roots) == {str(first), str(second)}
    wrong = await client.delete(f"/api/v1/root-folders/{roots[str(first)]['id']}", params={"videos": "shred"})
    assert wrong.status_code == 422
    removed = await client.delete(f"/api/v1/root-folders/{roots[str(first)]['id']}", params={"videos": "remove"})
    assert removed.json() == {"files_forgotten": 1, "videos_missing": 0, "videos_removed": 1}
    assert (await client.get(f"/api/v1/videos/{gone['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/videos/{kept['id']}")).status_code == 200
    assert (await client.get(f"/api/v1/videos/{elsewhere['id']}")).json()["status"] == "downloaded"


async def test_missing_root_is_reported_inaccessible(client: httpx.AsyncClient, tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    root = (await client.post("/api/v1/root-folders", json={"path": str(folder)})).json()
    folder.rmdir()
    fetched = (await client.get(f"/api/v1/root-folders/{root['id']}")).json()
    assert fetched["accessible"] is False
