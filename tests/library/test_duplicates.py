"""Duplicates: groups by normalised title and by content hash; a merge keeps the better file, trashes
the other, fills metadata without touching locked fields and re-points the other files."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.library.duplicates import title_key
from mvidarr.models import AuditEvent, MediaFile, TrashEntry, Video
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Army of Me", ""), ("Army Of Me (Official Video)", "")),
        (("Jóga", ""), ("Joga [HD]", "")),
        (("Hyperballad!", ""), ("hyperballad", "")),
    ],
)
def test_title_keys_ignore_decoration_case_and_accents(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert title_key(*a) == title_key(*b)


def test_versions_stay_apart() -> None:
    assert title_key("Army of Me", "") != title_key("Army of Me", "live")


async def _file(
    db: Database, library: Path, video_id: int, name: str, score: float, label: str, **extra: object
) -> int:
    path = library / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(label.encode() * 100)
    return await attach_file(
        db, video_id, str(library), relative_path=name, quality_score=score, quality_label=label, **extra
    )


async def test_merge_keeps_the_better_file_and_locked_fields(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    artist = await make_artist(client, "Björk")
    worse = await make_video(client, artist["id"], "Army of Me", year=1995, directors=["Michel Gondry"])
    better = await make_video(client, artist["id"], "Army Of Me (Official Video)", album="Post")
    await client.patch(f"/api/v1/videos/{better['id']}", json={"album": "Post (locked)"})  # a user edit locks it
    await client.patch(f"/api/v1/videos/{worse['id']}", json={"album": "Telegram"})  # locked in the other one
    other = await make_video(client, artist["id"], "Hyperballad")
    worse_file = await _file(db, library, worse["id"], "Björk/Army of Me.mp4", 400.0, "720p")
    better_file = await _file(db, library, better["id"], "Björk/Army of Me (1080p).mp4", 650.0, "1080p")
    await _file(db, library, other["id"], "Björk/Hyperballad.mp4", 650.0, "1080p")
    async with db.writer() as session:  # an older, non-current file of the worse video
        session.add(
            MediaFile(
                video_id=worse["id"], root_folder_id=(await session.get(MediaFile, worse_file)).root_folder_id,  # type: ignore[union-attr]
                relative_path="old/Army of Me.avi", is_current=False, size=10, mtime=1.0,
            )
        )  # fmt: skip
        await session.commit()

    groups = (await client.get("/api/v1/library/duplicates")).json()
    assert groups["total"] == 1
    [group] = groups["items"]
    assert group["reason"] == "title"
    assert {v["video_id"] for v in group["videos"]} == {worse["id"], better["id"]}
    assert group["suggested_file_id"] == better_file
    assert group["suggested_video_id"] == better["id"]

    merged = await client.post("/api/v1/library/duplicates/merge", json={"video_ids": [worse["id"], better["id"]]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["kept_video_id"] == better["id"]
    assert body["kept_file_id"] == better_file
    assert body["removed_video_ids"] == [worse["id"]]
    assert body["trashed_file_ids"] == [worse_file]
    video = body["video"]
    assert video["file"]["quality_label"] == "1080p"
    assert video["album"] == "Post (locked)", "the kept video's locked field is untouched"
    assert video["year"] == 1995, "an empty field is filled from the other video"
    assert video["directors"] == ["Michel Gondry"]
    assert "album" in video["locked_fields"]

    assert not (library / "Björk/Army of Me.mp4").exists()
    assert (library / "Björk/Army of Me (1080p).mp4").exists()
    async with db.reader() as session:
        assert await session.get(Video, worse["id"]) is None
        entry = (await session.execute(select(TrashEntry))).scalar_one()
        assert entry.reason == "duplicate.merged"
        assert entry.video_id == better["id"]
        assert (library / entry.trash_path / "Björk/Army of Me.mp4").exists()
        old = (
            await session.execute(select(MediaFile).where(MediaFile.relative_path == "old/Army of Me.avi"))
        ).scalar_one()
        assert old.video_id == better["id"]
        assert old.is_current is False
        assert "videos.merged" in list((await session.execute(select(AuditEvent.action))).scalars())
    assert (await client.get("/api/v1/library/duplicates")).json()["total"] == 0


async def test_merge_with_the_users_pick(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    library = tmp_path / "library"
    artist = await make_artist(client, "Air")
    a = await make_video(client, artist["id"], "Sexy Boy")
    b = await make_video(client, artist["id"], "Sexy Boy")
    a_file = await _file(db, library, a["id"], "a.mp4", 650.0, "1080p")
    b_file = await _file(db, library, b["id"], "b.mp4", 300.0, "480p")
    merged = await client.post(
        "/api/v1/library/duplicates/merge",
        json={"video_ids": [a["id"], b["id"]], "keep_video_id": a["id"], "keep_file_id": b_file},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["video"]["file"]["id"] == b_file
    assert merged.json()["trashed_file_ids"] == [a_file]
    assert (library / "b.mp4").exists()
    assert not (library / "a.mp4").exists()


async def test_content_hash_groups(client: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    library = tmp_path / "library"
    artist = await make_artist(client, "Moby")
    a = await make_video(client, artist["id"], "Porcelain")
    b = await make_video(client, artist["id"], "Untitled upload 3")
    await _file(db, library, a["id"], "p.mp4", 500.0, "720p", partial_hash="abc123")
    await _file(db, library, b["id"], "u.mp4", 500.0, "720p", partial_hash="abc123")
    groups = (await client.get("/api/v1/library/duplicates")).json()
    assert [g["reason"] for g in groups["items"]] == ["content"]
    assert {v["video_id"] for v in groups["items"][0]["videos"]} == {a["id"], b["id"]}


@pytest.mark.parametrize(
    "body",
    [
        {"video_ids": [1]},
        {"video_ids": [1, 1]},
        {"video_ids": [1, 999999]},
        {"video_ids": [1, 2], "keep_video_id": 3},
        {"video_ids": [1, 2], "keep_file_id": 999},
        {"video_ids": [1, 2], "surprise": True},
    ],
)
async def test_bad_merges_are_422_and_change_nothing(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    artist = await make_artist(client, "Moby")
    first = await make_video(client, artist["id"], "Porcelain")
    second = await make_video(client, artist["id"], "Porcelain")
    ids = {1: first["id"], 2: second["id"]}
    payload = dict(body)
    payload["video_ids"] = [ids.get(i, i) for i in body["video_ids"]]  # type: ignore[attr-defined]
    if "keep_video_id" in payload:
        payload["keep_video_id"] = ids.get(payload["keep_video_id"], payload["keep_video_id"])  # type: ignore[call-overload]
    response = await client.post("/api/v1/library/duplicates/merge", json=payload)
    assert response.status_code == 422, response.text
    assert (await client.get(f"/api/v1/videos/{first['id']}")).status_code == 200
    assert (await client.get(f"/api/v1/videos/{second['id']}")).status_code == 200
