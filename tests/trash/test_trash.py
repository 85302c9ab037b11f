"""The trash: deleting with files moves them (and sidecars) into `<root>/.mvidarr-trash/` with a journal
row; listing, restoring (even after the original folder was removed, or to a free variant), purging
by hand and on schedule, permanent deletion for admins only, and settling half-done moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from mvidarr.db import Database, utcnow
from mvidarr.library.walk import Walk
from mvidarr.models import AuditEvent, Job, MediaFile, Role, TrashEntry, TrashState, Video
from mvidarr.trash import service
from mvidarr.trash.files import TRASH_DIR
from tests.conftest import ClientAs
from tests.factories import attach_file, make_artist, make_video
from tests.notifications.helpers import outbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    return folder


async def _video_with_file(
    client: httpx.AsyncClient,
    db: Database,
    library: Path,
    relative: str,
    *,
    artist: str = "Björk",
    title: str = "Hyper",
) -> tuple[int, Path]:
    found = (await client.get("/api/v1/artists", params={"q": artist})).json()["items"]
    artist_id = found[0]["id"] if found else (await make_artist(client, artist))["id"]
    video = await make_video(client, artist_id, title)
    path = library / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"video bytes of " + relative.encode())
    await attach_file(db, video["id"], str(library), relative_path=relative, size=path.stat().st_size)
    return int(video["id"]), path


async def _entries(db: Database) -> list[TrashEntry]:
    async with db.reader() as session:
        return list((await session.execute(select(TrashEntry).order_by(TrashEntry.id))).scalars())


async def test_delete_with_files_moves_them_and_sidecars_to_the_trash(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Björk/Björk - Hyperballad.mp4")
    nfo = path.with_suffix(".nfo")
    nfo.write_text("<musicvideo/>")
    thumb = path.with_name("Björk - Hyperballad-thumb.jpg")
    thumb.write_bytes(b"jpg")
    other = path.with_name("Björk - Joga.nfo")
    other.write_text("another video's")

    response = await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    assert response.status_code == 204, response.text
    assert not path.exists()
    assert not nfo.exists()
    assert not thumb.exists()
    assert other.exists(), "another video's sidecar stays"
    [entry] = await _entries(db)
    assert entry.state == TrashState.TRASHED
    assert entry.reason == "video.deleted"
    assert sorted(entry.sidecars) == ["Björk - Hyperballad-thumb.jpg", "Björk - Hyperballad.nfo"]
    trashed = library / entry.trash_path / "Björk/Björk - Hyperballad.mp4"
    assert trashed.read_bytes() == "video bytes of Björk/Björk - Hyperballad.mp4".encode()
    assert trashed.with_suffix(".nfo").exists()
    async with db.reader() as session:
        assert await session.get(Video, video_id) is None
        assert (await session.execute(select(MediaFile))).first() is None
    listed = (await client.get("/api/v1/trash")).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["original_path"] == "Björk/Björk - Hyperballad.mp4"
    assert item["video_title"] == "Hyper"
    assert item["artist_name"] == "Björk"
    restorable = item["restorable_until"]
    assert restorable > item["deleted_at"]
    # Scans never see the trash: hidden folders are skipped.
    assert [f.relative for f in Walk(str(library))] == []
    [event] = await outbox(db, "video.trashed")
    assert (event["path"], event["title"], event["video_id"]) == (str(path), "Hyper", video_id)


async def test_restore_after_the_original_folder_was_removed(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Massive Attack/Mezzanine/Teardrop.mkv")
    path.with_suffix(".srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    assert not (library / "Massive Attack").exists(), "the emptied folders went with the file"

    [entry] = await _entries(db)
    restored = await client.post(f"/api/v1/trash/{entry.id}/restore")
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["restored_path"] == "Massive Attack/Mezzanine/Teardrop.mkv"
    assert body["renamed"] is False
    assert path.read_bytes() == b"video bytes of Massive Attack/Mezzanine/Teardrop.mkv"
    assert path.with_suffix(".srt").exists()
    assert await _entries(db) == []
    assert not any((library / TRASH_DIR).iterdir()), "the entry folder is gone from the trash"
    async with db.reader() as session:
        scan = await session.get(Job, body["scan_job_id"])
        events = list((await session.execute(select(AuditEvent.action))).scalars())
    assert scan is not None
    assert scan.type == "library.scan"
    assert "trash.restored" in events
    assert (await client.post(f"/api/v1/trash/{entry.id}/restore")).status_code == 404


async def test_a_restored_video_keeps_its_id_metadata_and_file(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Moby/Porcelain.mp4", artist="Moby", title="Porcelain")
    edited = await client.patch(
        f"/api/v1/videos/{video_id}", json={"year": 2000, "album": "Play", "release_date": "2000-06-12"}
    )
    assert edited.status_code == 200, edited.text
    await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    assert (await client.get(f"/api/v1/videos/{video_id}")).status_code == 404
    [entry] = await _entries(db)
    assert entry.snapshot is not None

    body = (await client.post(f"/api/v1/trash/{entry.id}/restore")).json()
    assert body["video_id"] == video_id
    video = (await client.get(f"/api/v1/videos/{video_id}")).json()
    assert (video["title"], video["year"], video["album"], video["release_date"]) == (
        "Porcelain",
        2000,
        "Play",
        "2000-06-12",
    )
    assert video["artist"]["name"] == "Moby"
    assert video["status"] == "downloaded"
    assert video["file"]["size"] == path.stat().st_size
    assert "Porcelain" in [
        v["title"] for v in (await client.get("/api/v1/videos", params={"q": "porcelain"})).json()["items"]
    ]
    async with db.reader() as session:
        [media] = (await session.execute(select(MediaFile))).scalars()
    assert (media.video_id, media.is_current, media.size) == (video_id, True, path.stat().st_size)
    # A new video added after the restore gets a new id, not one the restored video holds.
    newer = await make_video(client, video["artist"]["id"], "Natural Blues")
    assert newer["id"] > video_id


async def test_restoring_videos_of_a_deleted_artist_brings_the_artist_back_by_name(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    first, a = await _video_with_file(client, db, library, "Air/Sexy Boy.mp4", artist="Air", title="Sexy Boy")
    second, b = await _video_with_file(client, db, library, "Air/Playground Love.mp4", artist="Air", title="PL")
    async with db.reader() as session:
        artist_id = (await session.get(Video, first)).artist_id  # type: ignore[union-attr]
    await client.delete(f"/api/v1/artists/{artist_id}", params={"delete_videos": "true", "delete_files": "true"})
    restored = [(await client.post(f"/api/v1/trash/{e.id}/restore")).json() for e in await _entries(db)]
    assert sorted(r["video_id"] for r in restored) == sorted([first, second])
    videos = [(await client.get(f"/api/v1/videos/{i}")).json() for i in (first, second)]
    assert {v["artist"]["name"] for v in videos} == {"Air"}
    assert len({v["artist"]["id"] for v in videos}) == 1, "both found the one artist made again"
    assert a.exists()
    assert b.exists()


async def test_a_file_replaced_by_a_better_one_comes_back_beside_it(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Beck/Loser.mp4", artist="Beck", title="Loser")
    async with db.writer() as session:
        old = await session.scalar(select(MediaFile.id))
        assert old is not None
        await service.trash_files(session, file_ids=[old], reason="replaced by a better download", user_id=None)
        await session.commit()
    newer = library / "Beck/Loser (1080p).mp4"
    newer.parent.mkdir(exist_ok=True)  # the trash took the emptied folder
    newer.write_bytes(b"better")
    await attach_file(db, video_id, str(library), relative_path="Beck/Loser (1080p).mp4", size=6)
    [entry] = await _entries(db)
    body = (await client.post(f"/api/v1/trash/{entry.id}/restore")).json()
    assert body["video_id"] == video_id
    async with db.reader() as session:
        files = {m.relative_path: m.is_current for m in (await session.execute(select(MediaFile))).scalars()}
    assert files == {"Beck/Loser (1080p).mp4": True, "Beck/Loser.mp4": False}
    assert path.exists()


async def test_restore_to_a_free_variant_when_the_path_is_taken(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Portishead/Roads.mp4")
    path.with_suffix(".nfo").write_text("<musicvideo/>")
    await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a new file took the name")
    [entry] = await _entries(db)
    body = (await client.post(f"/api/v1/trash/{entry.id}/restore")).json()
    assert body["restored_path"] == "Portishead/Roads (2).mp4"
    assert body["renamed"] is True
    assert path.read_bytes() == b"a new file took the name"
    assert (library / "Portishead/Roads (2).mp4").read_bytes() == b"video bytes of Portishead/Roads.mp4"
    assert (library / "Portishead/Roads (2).nfo").exists(), "the sidecar follows the new name"


async def test_plain_delete_keeps_files(client: httpx.AsyncClient, db: Database, library: Path) -> None:
    video_id, path = await _video_with_file(client, db, library, "Keep/Me.mp4")
    assert (await client.delete(f"/api/v1/videos/{video_id}")).status_code == 204
    assert path.exists()
    assert await _entries(db) == []


async def test_permanent_delete_is_for_admins_only(
    client: httpx.AsyncClient, client_as: ClientAs, db: Database, library: Path
) -> None:
    video_id, path = await _video_with_file(client, db, library, "Gone/For Good.mp4")
    manager = await client_as(Role.MANAGER)
    refused = await manager.delete(f"/api/v1/videos/{video_id}", params={"permanent": "true"})
    assert refused.status_code == 403
    assert path.exists()
    done = await client.delete(f"/api/v1/videos/{video_id}", params={"permanent": "true"})
    assert done.status_code == 204
    assert not path.exists()
    assert not (library / "Gone").exists()
    assert await _entries(db) == []
    assert [e["path"] for e in await outbox(db, "video.deleted")] == [str(path)]


async def test_purge_by_hand_is_admin_only(
    client: httpx.AsyncClient, client_as: ClientAs, db: Database, library: Path
) -> None:
    video_id, _path = await _video_with_file(client, db, library, "Purge/Me.mp4")
    await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    [entry] = await _entries(db)
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/trash")).status_code == 200
    assert (await manager.delete(f"/api/v1/trash/{entry.id}")).status_code == 403
    assert (await client.delete(f"/api/v1/trash/{entry.id}")).status_code == 204
    assert not (library / entry.trash_path).exists()
    assert await _entries(db) == []


async def test_delete_artist_with_videos_and_files(client: httpx.AsyncClient, db: Database, library: Path) -> None:
    first, a = await _video_with_file(client, db, library, "Air/Sexy Boy.mp4", artist="Air", title="Sexy Boy")
    second, b = await _video_with_file(client, db, library, "Air/Playground Love.mp4", artist="Air", title="PL")
    async with db.reader() as session:
        artist_id = (await session.get(Video, first)).artist_id  # type: ignore[union-attr]
    response = await client.delete(
        f"/api/v1/artists/{artist_id}", params={"delete_videos": "true", "delete_files": "true"}
    )
    assert response.status_code == 204, response.text
    assert not a.exists()
    assert not b.exists()
    entries = await _entries(db)
    assert {e.video_id for e in entries} == {first, second}
    assert {e.reason for e in entries} == {"artist.deleted"}


async def test_a_file_that_cannot_move_deletes_nothing(client: httpx.AsyncClient, db: Database, library: Path) -> None:
    video_id, path = await _video_with_file(client, db, library, "Stuck/Here.mp4")
    (library / TRASH_DIR).write_text("a file where the trash folder should be")
    response = await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    assert response.status_code == 409
    assert "nothing was deleted" in response.json()["detail"]
    assert path.exists()
    assert await _entries(db) == []
    async with db.reader() as session:
        assert await session.get(Video, video_id) is not None


async def test_scheduled_purge_and_settling_half_done_moves(
    client: httpx.AsyncClient, db: Database, library: Path
) -> None:
    old_id, _old = await _video_with_file(client, db, library, "Old/Gone.mp4", title="Gone")
    await client.delete(f"/api/v1/videos/{old_id}", params={"delete_files": "true"})
    [expired] = await _entries(db)
    # A deletion that moved its file but never committed: the media row is still there.
    keep_id, kept = await _video_with_file(client, db, library, "Half/Done.mp4", title="Done")
    async with db.writer() as session:
        entries = await service.trash_files(session, video_ids=[keep_id], reason="video.deleted", user_id=None)
        stale_id = entries[0].id
        await session.rollback()
    assert not kept.exists()
    long_ago = utcnow() - timedelta(days=40)
    async with db.writer() as session:
        await session.execute(update(TrashEntry).where(TrashEntry.id == expired.id).values(restorable_until=long_ago))
        await session.execute(update(TrashEntry).where(TrashEntry.id == stale_id).values(deleted_at=long_ago))
        await session.commit()

    async with db.writer() as session:
        settled = await service.settle_stale(session, utcnow())
        purged = await service.purge_expired(session, utcnow())
        await session.commit()
    assert settled == {"returned": 1, "completed": 0, "dropped": 0}
    assert purged == 1
    assert kept.read_bytes() == b"video bytes of Half/Done.mp4", "the file went back where its row points"
    assert not (library / expired.trash_path).exists()
    assert await _entries(db) == []


async def test_trash_list_filters_and_validates(client: httpx.AsyncClient, db: Database, library: Path) -> None:
    video_id, _ = await _video_with_file(client, db, library, "A/B.mp4")
    await client.delete(f"/api/v1/videos/{video_id}", params={"delete_files": "true"})
    [entry] = await _entries(db)
    same: dict[str, Any] = (await client.get("/api/v1/trash", params={"root_folder_id": entry.root_folder_id})).json()
    assert same["total"] == 1
    other = (await client.get("/api/v1/trash", params={"root_folder_id": entry.root_folder_id + 1})).json()
    assert other["total"] == 0
    assert (await client.get("/api/v1/trash", params={"page_size": 501})).status_code == 422
