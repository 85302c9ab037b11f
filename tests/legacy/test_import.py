"""Importing a real 0.9.7 database (on MariaDB) into this one (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from mvidarr.auth.passwords import Passwords
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import service as legacy
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.schemas import LegacyReport
from mvidarr.legacy.source import LegacySource
from mvidarr.models import (
    Artist,
    BlocklistEntry,
    Download,
    Genre,
    LegacyLink,
    MediaFile,
    Monitor,
    Playlist,
    PlaylistItem,
    RootFolder,
    Setting,
    User,
    Video,
    VideoGenre,
)
from mvidarr.network.policy import NetworkPolicy
from tests.fixtures.legacy097 import LegacyDatabase, Realistic

pytestmark = pytest.mark.anyio
SOURCE_ROWS = {
    "settings": 34,
    "users": 4,
    "themes": 2,
    "artists": 5,
    "videos": 10,
    "downloads": 4,
    "playlists": 2,
    "playlist_entries": 5,
    "blocklist": 6,
    "monitors": 1,
}
COUNTED = (Artist, Video, MediaFile, User, Playlist, PlaylistItem, BlocklistEntry, Monitor, Download, Setting, Genre)


@pytest.fixture
async def passwords(settings: Settings) -> AsyncIterator[Passwords]:
    hasher = Passwords(settings)
    yield hasher
    hasher.close()


@pytest.fixture
async def root_id(db: Database, realistic: Realistic) -> int:
    async with db.writer() as session:
        root = RootFolder(path=str(realistic.library), name="Library")
        session.add(root)
        await session.commit()
        return root.id


async def run(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    *,
    dry_run: bool,
) -> LegacyReport:
    source = LegacySource.parse(legacy_db.url)
    return await legacy.import_legacy(
        db,
        source,
        address=source.host,
        path_maps=[PathMap.parse(f"data/musicvideos={realistic.library}")],
        dry_run=dry_run,
        sealer=Sealer.from_secret(settings.resolve_secret_key()),
        hash_password=passwords.hash,
        policy=NetworkPolicy.allowing([]),
    )


async def counts(db: Database) -> dict[str, int]:
    async with db.reader() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in COUNTED
        }


def every_row_accounted(report: LegacyReport) -> None:
    for kind, rows in SOURCE_ROWS.items():
        entry = report.kinds[kind]
        assert entry.total == rows, (kind, entry)
        assert entry.accounted == rows, (kind, entry)


async def test_dry_run_reports_everything_and_changes_nothing(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    before = await counts(db)
    report = await run(db, legacy_db, realistic, settings, passwords, dry_run=True)
    assert await counts(db) == before
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(LegacyLink)) == 0
    every_row_accounted(report)
    assert report.dry_run
    videos = report.kinds["videos"]
    assert videos.imported == 9
    assert videos.reasons["its 0.9.7 artist does not exist"] == 1
    assert report.kinds["artists"].merged == 1
    assert report.files_renamed == 1
    missing = {p.video_legacy_id: p.problem for p in report.files_not_found}
    assert "not inside any root folder" in missing[7]
    assert report.users_to_set_password == ["admin", "Marie", "kid", "guest"]
    # The report carries no secret: neither the URL's password nor a provider key.
    assert "imvdb-key-123" not in report.model_dump_json()


async def test_import_brings_the_library_across(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    report = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    every_row_accounted(report)
    async with db.reader() as session:
        artists = {a.name: a for a in (await session.execute(select(Artist))).scalars()}
        assert set(artists) == {"Björk", "少女時代", "AC/DC", "Sigur Rós"}
        bjork = artists["Björk"]
        assert (bjork.imvdb_id, bjork.spotify_id, bjork.monitored, bjork.auto_download) == (
            1234,
            "7w29UYBi0qsHi5RTcv3lmA",
            True,
            True,
        )
        assert bjork.include_words == ["official", "live"]
        assert artists["少女時代"].imvdb_id == 98765
        assert artists["少女時代"].include_words == ["kpop", "live"]
        assert artists["少女時代"].monitored is False
        assert artists["Sigur Rós"].imvdb_slug == "imvdb-slug-sigur"
        assert bjork.field_provenance["legacy"]["thumbnail_url"] == "https://imvdb.com/bjork.jpg"

        videos = {v.title: v for v in (await session.execute(select(Video))).scalars()}
        assert "Nobody's Video" not in videos
        army = videos["Army of Me"]
        assert (army.status, army.imvdb_id, army.youtube_id, army.year, army.view_count) == (
            "downloaded",
            5001,
            "dQw4w9WgXcQ",
            1995,
            123456,
        )
        assert (army.album, army.label, army.directors) == ("Post", "One Little Indian", ["Michel Gondry"])
        assert army.producers == ["Nellee Hooper", "Björk"]
        assert army.field_provenance["legacy"]["metadata"] == {"album": "Post", "label": "One Little Indian"}
        assert videos["Hyperballad"].directors == ["Michel Gondry"]  # double-encoded in 0.9.7
        assert videos["Gee 🎵"].youtube_id == "U7mPqycQ0tQ"
        assert (videos["Genie"].status, videos["Genie"].monitored) == ("wanted", True)
        assert videos["Thunderstruck"].status == "downloaded"  # MONITORED, but its file is here
        assert (videos["Back in Black"].status, videos["Back in Black"].imvdb_id) == ("wanted", 5006)
        assert videos["Highway to Hell"].status == "missing"
        assert videos["Hoppípolla"].sources == [{"url": "https://vimeo.com/12345", "kind": "vimeo"}]

        files = {
            f.relative_path: f.video_id
            for f in (await session.execute(select(MediaFile).where(MediaFile.root_folder_id == root_id))).scalars()
        }
        assert files == {
            "Björk/Björk - Army of Me.mp4": army.id,
            "Björk/Björk - Hyperballad.mp4": videos["Hyperballad"].id,
            "少女時代/少女時代 - Gee 🎵.mkv": videos["Gee 🎵"].id,
            "AC_DC/AC_DC - Thunderstruck.mp4": videos["Thunderstruck"].id,
        }
        genre_names = set(
            (
                await session.execute(
                    select(Genre.name)
                    .join(VideoGenre, VideoGenre.genre_id == Genre.id)
                    .where(VideoGenre.video_id == videos["Gee 🎵"].id)
                )
            ).scalars()
        )
        assert genre_names == {"K-Pop", "Dance"}

        users = {u.username: u for u in (await session.execute(select(User))).scalars()}
        assert {n: u.role for n, u in users.items()} == {
            "admin": "admin",
            "Marie": "manager",
            "kid": "readonly",
            "guest": "user",
        }
        assert all(u.must_change_password for u in users.values())
        assert not users["Marie"].totp_enabled
        assert users["Marie"].totp_secret is None
        assert users["kid"].active is False
        # No password of 0.9.7 (users table or simple auth) opens an account here.
        for user in users.values():
            assert not await passwords.verify(user.password_hash, "MVidarr@P4ss!")
            assert not await passwords.verify(user.password_hash, "mvidarr")
        themes = users["Marie"].preferences["custom_themes"]
        assert [t["name"] for t in themes] == ["Midnight"]

        playlists = {p.name: p for p in (await session.execute(select(Playlist))).scalars()}
        favourites = playlists["Favourites ⭐"]
        assert favourites.owner_id == users["admin"].id
        assert favourites.public
        items = (
            await session.execute(
                select(PlaylistItem.position, PlaylistItem.video_id, PlaylistItem.note)
                .where(PlaylistItem.playlist_id == favourites.id)
                .order_by(PlaylistItem.position)
            )
        ).all()
        assert [tuple(i) for i in items] == [
            (0, army.id, None),
            (1, videos["Thunderstruck"].id, None),
            (2, videos["Gee 🎵"].id, "best one"),
        ]

        blocked = set((await session.execute(select(BlocklistEntry.source_key))).scalars())
        assert blocked == {"youtube:AAAAAAAAAAA", "youtube:BBBBBBBBBBB", "youtube:CCCCCCCCCCC", "youtube:DDDDDDDDDDD"}
        monitor = (await session.execute(select(Monitor))).scalar_one()
        assert monitor.filters is not None
        assert monitor.filters["include_words"] == ["official", "remastered"]
        assert monitor.auto_download

        history = {d.source_url: d.status for d in (await session.execute(select(Download))).scalars()}
        assert history == {
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ": "succeeded",
            "https://www.youtube.com/watch?v=pAgnJDJN4VA": "failed",
        }

        settings_here = {s.key: s.value for s in (await session.execute(select(Setting))).scalars()}
        sealer = Sealer.from_secret(settings.resolve_secret_key())
        assert settings_here["providers.imvdb.api_key"] != "imvdb-key-123"
        assert sealer.open(settings_here["providers.imvdb.api_key"]) == "imvdb-key-123"
        assert sealer.open(settings_here["providers.spotify.client_secret"]) == "spotify-secret"
        assert settings_here["downloads.max_concurrent"] == 4
        assert settings_here["downloads.subtitle_languages"] == ["en", "de"]
        assert not any("simple" in key or "auth" in key for key in settings_here)
    assert report.kinds["settings"].reasons["0.9.7's simple-auth sign-in: credentials are never carried"] == 2


async def test_second_run_changes_nothing_and_a_later_one_brings_only_what_is_new(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    after_first = await counts(db)
    again = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    assert await counts(db) == after_first
    for kind, rows in SOURCE_ROWS.items():
        assert again.kinds[kind].unchanged == rows, (kind, again.kinds[kind])
    legacy_db.execute(
        "INSERT INTO videos (id, artist_id, title, status, youtube_url) VALUES (11, 1, 'Isobel', 'WANTED', %s)",
        "https://www.youtube.com/watch?v=dQw4w9WgXcR",
    )
    later = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    assert later.kinds["videos"].imported == 1
    assert later.kinds["videos"].unchanged == 10
    assert (await counts(db))["video"] == after_first["video"] + 1


async def test_files_found_by_a_scan_before_the_import_are_linked_not_doubled(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    async with db.writer() as session:
        # What a scan leaves for a file it could not match: a media file without a video.
        session.add(
            MediaFile(root_folder_id=root_id, relative_path="Björk/Björk - Army of Me.mp4", size=2048, mtime=1.0)
        )
        await session.commit()
    report = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    assert report.kinds["files"].linked == 1
    async with db.reader() as session:
        rows: list[Any] = list((await session.execute(select(MediaFile.relative_path, MediaFile.video_id))).all())
        army = await session.scalar(select(Video.id).where(Video.title == "Army of Me"))
    assert ("Björk/Björk - Army of Me.mp4", army) in [tuple(r) for r in rows]
    assert len(rows) == 4


async def test_a_later_run_carries_changes_made_in_0_9_7_except_fields_changed_or_locked_here(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    async with db.writer() as session:
        army = (await session.execute(select(Video).where(Video.title == "Army of Me"))).scalar_one()
        army.album = "Post (my copy)"  # edited here since the import
        army.locked_fields = ["year"]  # locked here, value unchanged
        await session.commit()
    legacy_db.execute(
        "UPDATE videos SET title = 'Army of Me (Remastered)', view_count = 999999, year = 1996 WHERE id = 1"
    )
    legacy_db.execute(
        "UPDATE videos SET video_metadata = %s WHERE id = 1", '{"album": "Post (Deluxe)", "label": "One Little Indian"}'
    )
    legacy_db.execute("UPDATE artists SET monitored = 0, keywords = '[\"official\"]' WHERE id = 1")
    legacy_db.execute("UPDATE playlists SET name = 'Favourites 2026', is_public = 0 WHERE id = 1")
    legacy_db.execute("UPDATE playlist_monitors SET auto_download = 0 WHERE id = 1")
    before = await counts(db)

    dry = await run(db, legacy_db, realistic, settings, passwords, dry_run=True)
    later = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    assert dry.kinds == later.kinds  # the dry run said what the run did
    every_row_accounted(later)
    assert await counts(db) == before
    videos = later.kinds["videos"]
    assert (videos.updated, videos.unchanged) == (1, 9)
    assert videos.reasons == {
        "title changed in 0.9.7: updated": 1,
        "view_count changed in 0.9.7: updated": 1,
        "album changed in 0.9.7, changed here since the last import: kept": 1,
        "year changed in 0.9.7, locked here: kept": 1,
    }
    assert later.kinds["artists"].updated == 1
    assert later.kinds["playlists"].updated == 1
    assert later.kinds["monitors"].updated == 1
    async with db.reader() as session:
        army = await session.get(Video, army.id)
        assert army is not None
        assert (army.title, army.view_count, army.album, army.year) == (
            "Army of Me (Remastered)",
            999999,
            "Post (my copy)",
            1995,
        )
        assert army.sort_key == "army of me (remastered)"
        bjork = (await session.execute(select(Artist).where(Artist.name == "Björk"))).scalar_one()
        assert (bjork.monitored, bjork.include_words) == (False, ["official"])
        favourites = (await session.execute(select(Playlist).where(Playlist.name == "Favourites 2026"))).scalar_one()
        assert favourites.public is False
        assert (await session.execute(select(Monitor.auto_download))).scalar_one() is False

    # What was carried is recorded: the next run carries nothing again.
    again = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    for kind, rows in SOURCE_ROWS.items():
        assert again.kinds[kind].unchanged == rows, (kind, again.kinds[kind])
    assert await counts(db) == before


async def test_urls_from_0_9_7_go_through_the_network_policy(
    db: Database,
    legacy_db: LegacyDatabase,
    realistic: Realistic,
    settings: Settings,
    passwords: Passwords,
    root_id: int,
) -> None:
    # A video source and a playlist monitor on private addresses nobody listed in network.allowed_private_hosts.
    legacy_db.execute("UPDATE videos SET url = 'http://192.168.1.20/hoppipolla.mp4' WHERE id = 8")
    legacy_db.insert(
        "playlist_monitors",
        [{"id": 2, "playlist_id": "PLlan", "playlist_url": "http://10.0.0.5/list?x=1", "name": "On the LAN"}],
    )
    report = await run(db, legacy_db, realistic, settings, passwords, dry_run=False)
    assert report.kinds["videos"].reasons["a source URL refused by the network policy: not kept"] == 1
    monitors = report.kinds["monitors"]
    assert (monitors.imported, monitors.skipped) == (1, 1)
    [reason] = [r for r in monitors.reasons if r.startswith("its URL is refused")]
    assert "10.0.0.5" in reason
    async with db.reader() as session:
        hoppipolla = (await session.execute(select(Video).where(Video.title == "Hoppípolla"))).scalar_one()
        urls = list((await session.execute(select(Monitor.url))).scalars())
    assert hoppipolla.sources == []
    assert urls == ["https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"]
