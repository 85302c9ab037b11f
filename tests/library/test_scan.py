"""Scanning real trees of generated clips: every layout, messy names, NFO and tags, unreadable
files, incremental rescans, missing files, a vanishing root, symlinks and non-UTF-8 names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from mvidarr.db import Database
from mvidarr.jobs.runner import Runner
from mvidarr.kit.text import identity_key
from mvidarr.library import scanner
from mvidarr.library.walk import Walk
from mvidarr.models import Artist, JobStatus, MediaFile, Video
from tests.fakes.upstream import FakeUpstream
from tests.jobs.helpers import wait_for
from tests.library.conftest import put, scan, scan_ok
from tests.notifications.helpers import outbox

pytestmark = pytest.mark.anyio

NFO = """<?xml version="1.0" encoding="UTF-8"?>
<musicvideo><title>Karma Police</title><artist>Radiohead</artist><year>1997</year><album>OK Computer</album>
</musicvideo>
https://example.com/ignored-url-line
"""


async def videos_by_title(db: Database) -> dict[str, dict[str, Any]]:
    async with db.reader() as session:
        rows = (
            await session.execute(
                select(Video, Artist.name).join(Artist, Artist.id == Video.artist_id).order_by(Video.id)
            )
        ).all()
    return {
        video.title: {
            "id": video.id,
            "artist": name,
            "kind": video.kind,
            "featured": video.featured_artists,
            "year": video.year,
            "version": video.version,
            "status": video.status,
            "album": video.album,
            "thumbnail_path": video.thumbnail_path,
        }
        for video, name in rows
    }


async def files(db: Database) -> dict[str, MediaFile]:
    async with db.reader() as session:
        return {f.relative_path: f for f in (await session.execute(select(MediaFile))).scalars()}


LAYOUT = {
    "Björk/Army of Me.mp4": ("Björk", "Army of Me", "official", [], None),
    "Bjork - Hyperballad.mp4": ("Björk", "Hyperballad", "official", [], None),
    "Queen/Queen - Bohemian Rhapsody (Official Video) [4K].mkv": ("Queen", "Bohemian Rhapsody", "official", [], None),
    "a-ha - Take On Me (Official Music Video).mp4": ("a-ha", "Take On Me", "official", [], None),
    "Music Videos/80s/Michael Jackson/1982 - Billie Jean.mp4": ("Michael Jackson", "Billie Jean", "official", [], 1982),
    "Mark Ronson/Uptown Funk (feat. Bruno Mars) [Official Video].mp4": (
        "Mark Ronson", "Uptown Funk", "official", ["Bruno Mars"], None,
    ),
    "Daft Punk/Live/Daft Punk - Around the World (Live at Coachella 2006).webm": (
        "Daft Punk", "Around the World", "live", [], None,
    ),
    "Billie Eilish/bad_guy_(Lyric_Video).mp4": ("Billie Eilish", "bad guy", "lyric", [], None),
    "The Cure/Friday I'm in Love.mp4": ("The Cure", "Friday I'm in Love", "official", [], None),
    "Cure, The/Lullaby.mp4": ("The Cure", "Lullaby", "official", [], None),
    "the cure - Close to Me [dQw4w9WgXcQ].mp4": ("The Cure", "Close to Me", "official", [], None),
    "Beyoncé/Beyoncé - Single Ladies (Put a Ring on It).m4v": (
        "Beyoncé", "Single Ladies (Put a Ring on It)", "official", [], None,
    ),
    "宇多田ヒカル/宇多田ヒカル - First Love.mp4": ("宇多田ヒカル", "First Love", "official", [], None),
}  # fmt: skip


async def test_first_scan_matches_every_layout(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    library = Path(root["path"])
    for relative in LAYOUT:
        put(library, relative, tiny_clips["plain"])
    put(library, "Misc/clip_0042.mp4", tiny_clips["plain"])
    (library / "Misc/clip_0042.nfo").write_text(NFO)
    put(library, "untitled.mp4", tiny_clips["tagged"])
    put(library, "Just A Title.mp4", tiny_clips["plain"])
    put(library, "Broken Band - Broken Song.mp4", tiny_clips["text"])
    (library / "Empty Band - Nothing.mp4").write_bytes(b"")
    for skipped in (
        ".hidden/Hidden Artist - Secret.mp4",
        ".mvidarr-trash/Deleted Artist - Old.mp4",
        "Partial Artist - Downloading.mp4.part",
        "Partial Artist - Merging.temp.mp4",
        "Partial Artist - Format.f137.mp4",
        "Partial Artist - Info.mp4.ytdl",
        "Partial Artist - Notes.txt",
    ):
        put(library, skipped, tiny_clips["plain"])

    result = await scan_ok(client, db, root["id"])

    assert result["seen"] == len(LAYOUT) + 5
    assert result["probed"] == len(LAYOUT) + 5
    assert result["matched"] == len(LAYOUT) + 2
    assert result["unmatched"] == 1
    assert result["failed"] == 2
    videos = await videos_by_title(db)
    for relative, (artist, title, kind, featured, year) in LAYOUT.items():
        video = videos[title]
        # Spellings that are the same artist share one row; whichever the walk met first names it.
        actual = (identity_key(video["artist"]), video["kind"], video["featured"], video["year"])
        assert actual == (identity_key(artist), kind, featured, year), relative
        assert video["status"] == "downloaded"
    assert videos["Around the World"]["version"] == "Live at Coachella 2006"
    karma = videos["Karma Police"]
    assert (karma["artist"], karma["year"], karma["album"]) == ("Radiohead", 1997, "OK Computer")
    glory = videos["Glory Box"]
    assert (glory["artist"], glory["year"]) == ("Portishead", 1995)
    async with db.reader() as session:
        names = sorted((await session.execute(select(Artist.name))).scalars())
    assert names.count("The Cure") == 1
    assert len([n for n in names if identity_key(n) == "bjork"]) == 1
    assert "Hidden Artist" not in names
    assert "Partial Artist" not in names
    assert len(names) == len(set(names))
    known = await files(db)
    assert known["Misc/clip_0042.mp4"].match_source == "nfo"
    assert known["untitled.mp4"].match_source == "tags"
    assert known["untitled.mp4"].tags == {"artist": "Portishead", "title": "Glory Box (Official Video)", "date": "1995"}
    assert known["Björk/Army of Me.mp4"].quality_label == "SD"
    assert known["Björk/Army of Me.mp4"].width == 160
    assert "not a media file" in (known["Broken Band - Broken Song.mp4"].probe_error or "")
    assert "empty file" in (known["Empty Band - Nothing.mp4"].probe_error or "")
    assert all(not path.startswith((".hidden", ".mvidarr-trash", "Partial")) for path in known)
    imported = await outbox(db, "video.imported")
    assert len(imported) == result["matched"]
    assert {e["path"] for e in imported} == {str(library / p) for p, f in known.items() if f.video_id is not None}
    # Thumbnails were made for matched videos, in every size.
    data_dir = Path(client._transport.app.state.settings.data_dir)  # type: ignore[attr-defined]
    army = videos["Army of Me"]
    assert army["thumbnail_path"] == f"thumbnails/videos/{army['id']}"
    assert (data_dir / army["thumbnail_path"] / "small.jpg").is_file()
    assert result["thumbnails"] == len(LAYOUT) + 2
    thumb = await client.get(f"/api/v1/videos/{army['id']}/thumbnail?size=small")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    unmatched = (await client.get("/api/v1/library/unmatched")).json()
    assert unmatched["total"] == 3
    reasons = {item["relative_path"]: item["reason"] for item in unmatched["items"]}
    assert reasons["Just A Title.mp4"].startswith("no artist found")
    assert reasons["Broken Band - Broken Song.mp4"].startswith("unreadable: not a media file")
    job_logs = await client.get(f"/api/v1/jobs/{(await client.get('/api/v1/jobs')).json()['items'][0]['id']}/logs")
    assert any("not a media file" in line["message"] for line in job_logs.json()["items"])


async def test_rescan_is_incremental_and_tracks_missing_renamed_and_changed_files(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    library = Path(root["path"])
    for name in (
        "Air - Sexy Boy.mp4",
        "Air - Kelly Watch the Stars.mp4",
        "Moby/Porcelain.mp4",
        "Moby/Natural Blues.mp4",
    ):
        put(library, name, tiny_clips["plain"])
    first = await scan_ok(client, db, root["id"])
    assert (first["seen"], first["probed"], first["matched"]) == (4, 4, 4)

    again = await scan_ok(client, db, root["id"])
    assert (again["seen"], again["unchanged"], again["probed"], again["matched"], again["missing"]) == (4, 4, 0, 0, 0)

    (library / "Air - Sexy Boy.mp4").unlink()
    (library / "Moby/Porcelain.mp4").rename(library / "Moby/Moby - Porcelain.mp4")
    with (library / "Moby/Natural Blues.mp4").open("ab") as handle:
        handle.write(b"\0" * 100)
    third = await scan_ok(client, db, root["id"])
    assert (third["seen"], third["unchanged"], third["probed"], third["missing"]) == (3, 1, 2, 2)
    videos = await videos_by_title(db)
    assert videos["Sexy Boy"]["status"] == "missing"
    assert videos["Porcelain"]["status"] == "downloaded"  # the renamed file took over
    known = await files(db)
    assert known["Air - Sexy Boy.mp4"].missing_at is not None  # the row is kept for history
    assert known["Air - Sexy Boy.mp4"].is_current is False
    assert known["Moby/Moby - Porcelain.mp4"].is_current is True
    assert known["Moby/Moby - Porcelain.mp4"].video_id == known["Moby/Porcelain.mp4"].video_id
    assert known["Moby/Natural Blues.mp4"].size == tiny_clips["plain"].stat().st_size + 100
    stream = await client.get(f"/api/v1/videos/{videos['Sexy Boy']['id']}/stream")
    assert stream.status_code == 404

    put(library, "Air - Sexy Boy.mp4", tiny_clips["plain"])
    fourth = await scan_ok(client, db, root["id"])
    assert fourth["restored"] == 1
    assert (await videos_by_title(db))["Sexy Boy"]["status"] == "downloaded"
    assert (await files(db))["Air - Sexy Boy.mp4"].is_current is True


async def test_root_that_disappears_mid_scan_fails_the_job_and_marks_nothing_missing(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    root: dict[str, Any],
    tiny_clips: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = Path(root["path"])
    for index in range(6):
        put(library, f"Artist {index}/Song {index}.mp4", tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    monkeypatch.setattr(scanner, "BATCH_SIZE", 2)
    original = Walk.batch

    def batch_then_vanish(self: Walk, size: int) -> list[Any]:
        taken = original(self, size)
        if os.path.isdir(root["path"]):
            shutil.rmtree(root["path"])
        return taken

    monkeypatch.setattr(Walk, "batch", batch_then_vanish)
    job = await scan(client, db, root["id"])
    assert job.status == JobStatus.FAILED
    assert "disappeared" in (job.error or "")
    assert all(f.missing_at is None for f in (await files(db)).values())
    assert {v["status"] for v in (await videos_by_title(db)).values()} == {"downloaded"}
    gone = await scan(client, db, root["id"])
    assert gone.status == JobStatus.FAILED
    assert "missing or not a folder" in (gone.error or "")
    assert (await client.get(f"/api/v1/root-folders/{root['id']}")).json()["accessible"] is False


async def test_symlinks_are_followed_only_inside_the_root(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    root: dict[str, Any],
    tiny_clips: dict[str, Path],
    tmp_path: Path,
) -> None:
    library = Path(root["path"])
    outside = tmp_path / "outside"
    put(outside, "Secret Artist - Escape.mp4", tiny_clips["plain"])
    put(library, "Inside Artist/Inside Artist - Real.mp4", tiny_clips["plain"])
    (library / "Escaped Folder").symlink_to(outside, target_is_directory=True)
    (library / "Secret Artist - Linked File.mp4").symlink_to(outside / "Secret Artist - Escape.mp4")
    (library / "Alias Artist - Alias.mp4").symlink_to(library / "Inside Artist/Inside Artist - Real.mp4")
    (library / "Inside Artist/loop").symlink_to(library, target_is_directory=True)
    result = await scan_ok(client, db, root["id"])
    assert result["skipped_links"] == 2
    assert sorted(await files(db)) == ["Alias Artist - Alias.mp4", "Inside Artist/Inside Artist - Real.mp4"]
    async with db.reader() as session:
        assert "Secret Artist" not in set((await session.execute(select(Artist.name))).scalars())


async def test_names_that_are_not_utf8_are_shown_with_replacement_characters_and_still_stream(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    library = Path(root["path"])
    put(library, b"Caf\xe9 Tacvba - Eres.mp4", tiny_clips["plain"])
    put(library, b"Caf\xe9 Tacvba/Caf\xe9 Tacvba - Las Flores.mp4", tiny_clips["plain"])
    result = await scan_ok(client, db, root["id"])
    assert result["matched"] == 2
    known = await files(db)
    row = known["Caf\ufffd Tacvba - Eres.mp4"]
    assert row.relative_path_bytes == b"Caf\xe9 Tacvba - Eres.mp4"
    videos = await videos_by_title(db)
    assert videos["Eres"]["artist"] == "Caf\ufffd Tacvba"
    assert videos["Las Flores"]["artist"] == "Caf\ufffd Tacvba"
    stream = await client.get(f"/api/v1/videos/{videos['Eres']['id']}/stream", headers={"Range": "bytes=0-99"})
    assert stream.status_code == 206
    assert stream.content == tiny_clips["plain"].read_bytes()[:100]
    again = await scan_ok(client, db, root["id"])
    assert (again["unchanged"], again["probed"], again["missing"]) == (2, 0, 0)


async def test_scan_requests_are_deduplicated_per_root_and_checked(
    client: httpx.AsyncClient, root: dict[str, Any]
) -> None:
    first = await client.post("/api/v1/library/scan", json={"root_folder_id": root["id"]})
    second = await client.post("/api/v1/library/scan", json={"root_folder_id": root["id"]})
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["type"] == "library.scan"
    every = await client.post("/api/v1/library/scan", json={})
    assert every.status_code == 202
    assert every.json()["id"] != first.json()["id"]
    missing = await client.post("/api/v1/library/scan", json={"root_folder_id": 999})
    assert missing.status_code == 404
    schedules = (await client.get("/api/v1/schedules")).json()
    scheduled = next(s for s in schedules if s["name"] == "Scan library folders")
    assert scheduled["job_type"] == "library.scan"
    assert scheduled["params"] == {"only_due": True}


async def test_scan_of_all_roots_runs_one_child_per_due_root(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    put(Path(root["path"]), "Air - Playground Love.mp4", tiny_clips["plain"])
    parent = await scan(client, db, None)
    assert parent.status == JobStatus.SUCCEEDED
    assert parent.result is not None
    children = (await client.get(f"/api/v1/jobs?parent_id={parent.id}")).json()["items"]
    assert [c["params"]["root_folder_id"] for c in children] == [root["id"]]
    assert children[0]["result"]["matched"] == 1
    assert (await client.get(f"/api/v1/root-folders/{root['id']}")).json()["last_scan_at"] is not None
    # Scheduled runs skip roots scanned within the interval.
    response = await client.post("/api/v1/jobs", json={"type": "library.scan", "params": {"only_due": True}})
    scheduled = await scan_wait(db, response.json()["id"])
    assert scheduled.result == {"started": []}


async def scan_wait(db: Database, job_id: int) -> Any:
    from tests.jobs.helpers import wait_for

    return await wait_for(db, job_id, within_s=30)


async def test_unmatched_files_can_be_matched_by_hand(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    put(Path(root["path"]), "mystery clip.mp4", tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    item = (await client.get("/api/v1/library/unmatched")).json()["items"][0]
    bad = await client.post(f"/api/v1/library/files/{item['id']}/match", json={"title": "No Artist"})
    assert bad.status_code == 422
    matched = await client.post(
        f"/api/v1/library/files/{item['id']}/match",
        json={"artist_name": "the chemical brothers", "title": "Star Guitar", "year": 2002},
    )
    assert matched.status_code == 200, matched.text
    body = matched.json()
    assert body["is_current"] is True
    assert body["match_source"] == "manual"
    video = (await client.get(f"/api/v1/videos/{body['video_id']}")).json()
    assert (video["title"], video["status"], video["year"]) == ("Star Guitar", "downloaded", 2002)
    assert (await client.get("/api/v1/library/unmatched")).json()["total"] == 0
    artist = await client.post("/api/v1/artists", json={"name": "The Chemical Brothers"})
    assert artist.status_code == 409  # the hand match created it; identity keeps it single
    assert (await client.post("/api/v1/library/files/9999/match", json={"video_id": 1})).status_code == 404


async def test_analyze_probes_current_files_again(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    library = Path(root["path"])
    put(library, "Air/Cherry Blossom Girl.mp4", tiny_clips["plain"])
    put(library, "Air/All I Need.mp4", tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    async with db.writer() as session:
        await session.execute(update(MediaFile).values(quality_label=None, width=None))
        await session.commit()
    (library / "Air/All I Need.mp4").unlink()
    response = await client.post("/api/v1/video-quality/analyze", json={"root_folder_id": root["id"]})
    job = await scan_wait(db, response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"files": 2, "probed": 1, "unreadable": 0, "not_on_disk": 1}
    known = await files(db)
    assert (known["Air/Cherry Blossom Girl.mp4"].width, known["Air/Cherry Blossom Girl.mp4"].quality_label) == (
        160,
        "SD",
    )
    assert known["Air/All I Need.mp4"].width is None


async def test_a_changed_file_keeps_the_artwork_a_user_uploaded(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    library = Path(root["path"])
    put(library, "Air - Sexy Boy.mp4", tiny_clips["plain"])
    put(library, "Air - Playground Love.mp4", tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    videos = await videos_by_title(db)
    picked, grabbed = videos["Sexy Boy"], videos["Playground Love"]
    async with db.writer() as session:
        await session.execute(
            update(Video)
            .where(Video.id == picked["id"])
            .values(thumbnail_path="artwork/videos/1/chosen", artwork_source="upload")
        )
        await session.execute(update(Video).where(Video.id == grabbed["id"]).values(thumbnail_path="old-grab"))
        await session.commit()
    for name in ("Air - Sexy Boy.mp4", "Air - Playground Love.mp4"):
        with (library / name).open("ab") as handle:
            handle.write(b"\0" * 100)
    result = await scan_ok(client, db, root["id"])
    assert result["probed"] == 2
    after = await videos_by_title(db)
    assert after["Sexy Boy"]["thumbnail_path"] == "artwork/videos/1/chosen"
    assert after["Playground Love"]["thumbnail_path"] == f"thumbnails/videos/{grabbed['id']}"


async def test_joint_credits_are_split_unless_the_library_or_a_provider_knows_the_name(
    client: httpx.AsyncClient, db: Database, runner: Runner, root: dict[str, Any], tiny_clips: dict[str, Path]
) -> None:
    """The fake's MusicBrainz knows Simon & Garfunkel and Hall & Oates (an alias), its IMVDb Chase & Status."""
    library = Path(root["path"])
    made = await client.post("/api/v1/artists", params={"enrich": "false"}, json={"name": "Bob x Alice"})
    assert made.status_code == 201, made.text
    for name in (
        "Calvin Harris x Dua Lipa - One Kiss.mp4",
        "Armin van Buuren vs. Vini Vici - Great Spirit.mp4",
        "Simon & Garfunkel - The Boxer.mp4",
        "Bob x Alice - Together.mp4",
        "Marshmello - Alone.mp4",
        "Hall & Oates - Maneater.mp4",
        "Chase & Status - Blind Faith.mp4",
        "Daft Punk & Björk - Unreal.mp4",
    ):
        put(library, name, tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    put(library, "Marshmello & Bastille - Happier.mp4", tiny_clips["plain"])
    await scan_ok(client, db, root["id"])
    videos = await videos_by_title(db)
    credits = {title: (videos[title]["artist"], videos[title]["featured"]) for title in videos}
    assert credits == {
        "One Kiss": ("Calvin Harris", ["Dua Lipa"]),
        "Great Spirit": ("Armin van Buuren", ["Vini Vici"]),
        "The Boxer": ("Simon & Garfunkel", []),
        "Together": ("Bob x Alice", []),
        "Alone": ("Marshmello", []),
        "Happier": ("Marshmello", ["Bastille"]),
        "Maneater": ("Hall & Oates", []),
        "Blind Faith": ("Chase & Status", []),
        "Unreal": ("Daft Punk", ["Björk"]),
    }
    async with db.reader() as session:
        names = set((await session.execute(select(Artist.name))).scalars())
    assert names == {
        "Calvin Harris",
        "Armin van Buuren",
        "Simon & Garfunkel",
        "Bob x Alice",
        "Marshmello",
        "Hall & Oates",
        "Chase & Status",
        "Daft Punk",
    }


async def test_with_musicbrainz_down_joint_looking_credits_stay_whole_and_the_log_says_why(
    client: httpx.AsyncClient,
    db: Database,
    runner: Runner,
    root: dict[str, Any],
    tiny_clips: dict[str, Path],
    fake_upstream: FakeUpstream,
) -> None:
    fake_upstream.set("musicbrainz", mode="500")
    library = Path(root["path"])
    for name in ("Dua Lipa & Calvin Harris - One Kiss.mp4", "Calvin Harris x Dua Lipa - Promises.mp4"):
        put(library, name, tiny_clips["plain"])
    response = await client.post("/api/v1/library/scan", json={"root_folder_id": root["id"]})
    job = await wait_for(db, response.json()["id"], within_s=60)
    assert job.status == JobStatus.SUCCEEDED, job.error
    videos = await videos_by_title(db)
    # Unknown is not no: kept whole (artist enrichment sends it to review later), "x" still splits.
    assert (videos["One Kiss"]["artist"], videos["One Kiss"]["featured"]) == ("Dua Lipa & Calvin Harris", [])
    assert (videos["Promises"]["artist"], videos["Promises"]["featured"]) == ("Calvin Harris", ["Dua Lipa"])
    lines = [line["message"] for line in (await client.get(f"/api/v1/jobs/{job.id}/logs")).json()["items"]]
    said = "musicbrainz cannot say whether joint-looking credits name one artist"
    assert any(line.startswith(said) for line in lines)
    # MusicBrainz is given up on for the rest of the scan after its first failure (with its retries).
    assert len([r for r in fake_upstream.sent("musicbrainz") if r.path == "/ws/2/artist"]) <= 3
