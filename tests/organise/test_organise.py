"""Organising real files: the plan, applying it, idempotence, sidecars, folders, crashes and recovery."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from mvidarr.db import Database, utcnow
from mvidarr.library.service import NoRootFolder
from mvidarr.models import Artist, FileMove, FileMoveState, MediaFile
from mvidarr.organise import moves, placement, recovery, service
from tests.organise.conftest import Library, make_root

pytestmark = pytest.mark.anyio
LATER = timedelta(minutes=5)


class Crash(BaseException):
    """Stands for the process dying at a precise point (not an Exception: nothing may catch it)."""


async def organise(db: Database) -> moves.ApplyResult:
    plan = await service.make_plan(db.reader)
    return await moves.apply_plan(db.writer, plan)


async def journal(db: Database) -> list[FileMove]:
    async with db.reader() as session:
        return list((await session.execute(select(FileMove).order_by(FileMove.id))).scalars())


async def test_dry_run_plans_exactly_what_apply_does(library: Library) -> None:
    _, a = await library.add("AC/DC", "Thunderstruck", "incoming/acdc_thunder.mkv", sidecars=(".nfo", "-thumb.jpg"))
    _, b = await library.add("Sigur Rós", "Hoppípolla", "x/y/hoppi.mp4", version="Live", sidecars=(".en.srt",))
    _, c = await library.add("Guns N' Roses", "Sweet Child O' Mine?", "gnr.webm", sidecars=(".info.json",))
    await library.add("Björk", "Army of Me", "Björk/Björk - Army of Me.mkv")
    before = library.files()

    plan = await service.make_plan(library.db.reader)
    assert library.files() == before  # planning changes nothing
    planned = {m.media_file_id: m.dst_relative for m in plan.moves}
    assert planned == {
        a: "AC-DC/AC-DC - Thunderstruck.mkv",
        b: "Sigur Rós/Sigur Rós - Hoppípolla (Live).mp4",
        c: "Guns N' Roses/Guns N' Roses - Sweet Child O' Mine.webm",
    }
    assert plan.unchanged == 1
    assert plan.conflicts == []

    result = await moves.apply_plan(library.db.writer, plan)
    assert result.moved == 3
    assert result.sidecars_moved == 4
    assert result.failed == []
    paths = await library.paths()
    assert {k: paths[k] for k in planned} == planned
    assert library.files() == {
        "AC-DC/AC-DC - Thunderstruck.mkv",
        "AC-DC/AC-DC - Thunderstruck.nfo",
        "AC-DC/AC-DC - Thunderstruck-thumb.jpg",
        "Sigur Rós/Sigur Rós - Hoppípolla (Live).mp4",
        "Sigur Rós/Sigur Rós - Hoppípolla (Live).en.srt",
        "Guns N' Roses/Guns N' Roses - Sweet Child O' Mine.webm",
        "Guns N' Roses/Guns N' Roses - Sweet Child O' Mine.info.json",
        "Björk/Björk - Army of Me.mkv",
    }
    assert (library.root / "AC-DC/AC-DC - Thunderstruck.mkv").read_bytes() == b"AC/DC|Thunderstruck"
    # Folders the moves emptied are gone; the root stays.
    assert not (library.root / "incoming").exists()
    assert not (library.root / "x").exists()
    assert library.root.is_dir()
    assert [m.state for m in await journal(library.db)] == [FileMoveState.DONE] * 3


async def test_second_run_moves_nothing(library: Library) -> None:
    await library.add("Queen", "Bohemian Rhapsody", "a.mkv")
    await library.add("Queen", "Bohemian Rhapsody", "b.mkv")  # the same name: one gets (2)
    first = await organise(library.db)
    assert first.moved == 2
    assert library.files() == {"Queen/Queen - Bohemian Rhapsody.mkv", "Queen/Queen - Bohemian Rhapsody (2).mkv"}
    plan = await service.make_plan(library.db.reader)
    assert plan.moves == []
    assert plan.unchanged == 2
    second = await moves.apply_plan(library.db.writer, plan)
    assert second.moved == 0
    assert len(await journal(library.db)) == 2


async def test_taken_names_get_numbers_and_case_variants_collide(library: Library) -> None:
    stranger = library.root / "Queen" / "Queen - Innuendo.mkv"
    stranger.parent.mkdir(parents=True)
    stranger.write_bytes(b"not in the library")
    _, a = await library.add("Queen", "Innuendo", "in/one.mkv")
    _, b = await library.add("Queen", "INNUENDO", "in/two.mkv")
    plan = await service.make_plan(library.db.reader)
    targets = {m.media_file_id: m.dst_relative for m in plan.moves}
    assert targets == {a: "Queen/Queen - Innuendo (2).mkv", b: "Queen/Queen - INNUENDO (3).mkv"}
    await moves.apply_plan(library.db.writer, plan)
    assert stranger.read_bytes() == b"not in the library"


async def test_chain_of_moves_into_places_being_vacated(library: Library) -> None:
    # A's target is where B is now; B moves away first, then A follows on the retry pass.
    await library.add("Air", "Sexy Boy", "Air/old.mkv", content=b"sexy boy")
    await library.add("Air", "Kelly Watch the Stars", "Air/Air - Sexy Boy.mkv", content=b"kelly")
    result = await organise(library.db)
    assert result.moved == 2
    assert result.conflicts == []
    assert (library.root / "Air/Air - Sexy Boy.mkv").read_bytes() == b"sexy boy"
    assert (library.root / "Air/Air - Kelly Watch the Stars.mkv").read_bytes() == b"kelly"


async def test_swapped_names_are_conflicts_and_nothing_is_lost(library: Library) -> None:
    await library.add("Air", "Sexy Boy", "Air/Air - Kelly Watch the Stars.mkv", content=b"sexy boy")
    await library.add("Air", "Kelly Watch the Stars", "Air/Air - Sexy Boy.mkv", content=b"kelly")
    result = await organise(library.db)
    assert result.moved == 0
    assert len(result.conflicts) == 2
    assert (library.root / "Air/Air - Kelly Watch the Stars.mkv").read_bytes() == b"sexy boy"
    assert (library.root / "Air/Air - Sexy Boy.mkv").read_bytes() == b"kelly"
    assert {m.state for m in await journal(library.db)} == {FileMoveState.ROLLED_BACK}


async def test_artist_root_folder_moves_files_across_roots(library: Library, tmp_path: Path) -> None:
    other = await make_root(library.db, tmp_path / "second")
    _, media_id = await library.add("Portishead", "Glory Box", "p.mkv", artist_root_id=other)
    await organise(library.db)
    async with library.db.reader() as session:
        media = await session.get(MediaFile, media_id)
    assert media is not None
    assert media.root_folder_id == other
    assert (tmp_path / "second/Portishead/Portishead - Glory Box.mkv").read_bytes() == b"Portishead|Glory Box"
    assert not (library.root / "p.mkv").exists()


@pytest.fixture
def shm_root() -> Iterator[Path]:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="mvidarr-organise-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def test_real_cross_device_organise(library: Library, shm_root: Path) -> None:
    target = await make_root(library.db, shm_root / "lib")
    payload = os.urandom(200_000)
    _, media_id = await library.add(
        "Massive Attack", "Teardrop", "in/t.mkv", content=payload, artist_root_id=target, sidecars=(".nfo",)
    )
    result = await organise(library.db)
    assert result.moved == 1
    assert result.sidecars_moved == 1
    moved = shm_root / "lib/Massive Attack/Massive Attack - Teardrop.mkv"
    assert moved.read_bytes() == payload
    assert moved.with_suffix(".nfo").is_file()
    assert library.files() == set()
    paths = await library.paths()
    assert paths[media_id] == "Massive Attack/Massive Attack - Teardrop.mkv"


async def test_crash_between_journal_and_move_rolls_back(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    _, media_id = await library.add("Muse", "Uprising", "m.mkv", sidecars=(".nfo",))

    def die(src: Path, dst: Path, *, sync: bool = True) -> None:
        raise Crash

    monkeypatch.setattr(moves, "move_file", die)
    with pytest.raises(Crash):
        await organise(library.db)
    [entry] = await journal(library.db)
    assert entry.state == FileMoveState.PENDING
    monkeypatch.undo()

    # A mover this recent might still be alive: nothing happens yet.
    assert (await recovery.recover_moves(library.db.writer)).rolled_back == 0
    recovered = await recovery.recover_moves(library.db.writer, now=utcnow() + LATER)
    assert recovered.rolled_back == 1
    assert recovered.completed == 0
    assert library.files() == {"m.mkv", "m.nfo"}
    assert (await library.paths())[media_id] == "m.mkv"
    [entry] = await journal(library.db)
    assert entry.state == FileMoveState.ROLLED_BACK
    # The next run does the move properly.
    assert (await organise(library.db)).moved == 1
    assert library.files() == {"Muse/Muse - Uprising.mkv", "Muse/Muse - Uprising.nfo"}


async def test_crash_between_move_and_database_completes(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    _, media_id = await library.add("Muse", "Hysteria", "in/h.mkv", sidecars=(".nfo", "-thumb.jpg"))

    async def die(writer: object, outcomes: object) -> None:
        raise Crash

    monkeypatch.setattr(moves, "record", die)
    with pytest.raises(Crash):
        await organise(library.db)
    monkeypatch.undo()
    # On disk the file moved; the database still says where it was.
    assert "Muse/Muse - Hysteria.mkv" in library.files()
    assert (await library.paths())[media_id] == "in/h.mkv"

    recovered = await recovery.recover_moves(library.db.writer, now=utcnow() + LATER)
    assert recovered.completed == 1
    assert (await library.paths())[media_id] == "Muse/Muse - Hysteria.mkv"
    assert library.files() == {"Muse/Muse - Hysteria.mkv", "Muse/Muse - Hysteria.nfo", "Muse/Muse - Hysteria-thumb.jpg"}
    assert (await organise(library.db)).moved == 0


async def test_crash_midway_through_sidecars_completes_them(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    _, media_id = await library.add("Muse", "Starlight", "s.mkv", sidecars=(".nfo", ".srt"))
    real = moves.move_file
    calls: list[Path] = []

    def die_after_video(src: Path, dst: Path, *, sync: bool = True) -> None:
        calls.append(src)
        if len(calls) == 2:
            raise Crash
        real(src, dst, sync=sync)

    monkeypatch.setattr(moves, "move_file", die_after_video)
    with pytest.raises(Crash):
        await organise(library.db)
    monkeypatch.undo()
    await recovery.recover_moves(library.db.writer, now=utcnow() + LATER)
    assert library.files() == {"Muse/Muse - Starlight.mkv", "Muse/Muse - Starlight.nfo", "Muse/Muse - Starlight.srt"}
    assert (await library.paths())[media_id] == "Muse/Muse - Starlight.mkv"


async def test_recovery_of_a_published_copy_whose_source_remains(library: Library) -> None:
    """A cross-device move that copied and published but died before unlinking the source."""
    _, media_id = await library.add("Moby", "Porcelain", "p.mkv", content=b"porcelain" * 1000)
    dst = library.root / "Moby/Moby - Porcelain.mkv"
    dst.parent.mkdir()
    shutil.copyfile(library.root / "p.mkv", dst)
    async with library.db.writer() as session:
        session.add(
            FileMove(
                media_file_id=media_id,
                root_folder_id=library.root_id,
                src_path=str(library.root / "p.mkv"),
                dst_path=str(dst),
                dst_relative_path="Moby/Moby - Porcelain.mkv",
                sidecars=[],
                state=FileMoveState.PENDING,
                created_at=utcnow() - LATER,
            )
        )
        await session.commit()
    assert (await recovery.recover_moves(library.db.writer)).completed == 1
    assert library.files() == {"Moby/Moby - Porcelain.mkv"}
    assert (await library.paths())[media_id] == "Moby/Moby - Porcelain.mkv"


async def test_recovery_never_deletes_a_different_file(library: Library) -> None:
    _, media_id = await library.add("Moby", "Natural Blues", "n.mkv", content=b"mine")
    dst = library.root / "taken.mkv"
    dst.write_bytes(b"somebody else's")
    async with library.db.writer() as session:
        session.add(
            FileMove(
                media_file_id=media_id,
                src_path=str(library.root / "n.mkv"),
                dst_path=str(dst),
                dst_relative_path="taken.mkv",
                sidecars=[],
                state=FileMoveState.PENDING,
                created_at=utcnow() - LATER,
            )
        )
        await session.commit()
    assert (await recovery.recover_moves(library.db.writer)).rolled_back == 1
    assert (library.root / "n.mkv").read_bytes() == b"mine"
    assert dst.read_bytes() == b"somebody else's"
    assert (await library.paths())[media_id] == "n.mkv"


async def test_place_file_puts_a_download_where_the_template_says(library: Library, tmp_path: Path) -> None:
    video_id, existing = await library.add(
        "Daft Punk", "Around the World", "Daft Punk/Daft Punk - Around the World.mkv"
    )
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    source = downloads / "abc123.mkv"
    source.write_bytes(b"better copy")
    (downloads / "abc123.en.vtt").write_text("WEBVTT")
    (downloads / "abc123.info.json").write_text("{}")
    placed = await placement.place_file(
        library.db.writer,
        video_id,
        source,
        sidecars=[downloads / "abc123.en.vtt", downloads / "abc123.info.json"],
    )
    # The name is taken by the video's current file: the download gets (2) and is not current.
    assert placed.relative_path == "Daft Punk/Daft Punk - Around the World (2).mkv"
    assert placed.is_current is False
    assert placed.root_folder_id == library.root_id
    assert placed.path.read_bytes() == b"better copy"
    assert sorted(p.name for p in placed.sidecars) == [
        "Daft Punk - Around the World (2).en.vtt",
        "Daft Punk - Around the World (2).info.json",
    ]
    assert list(downloads.iterdir()) == []
    async with library.db.reader() as session:
        media = await session.get(MediaFile, placed.media_file_id)
        assert media is not None
        assert media.video_id == video_id
        assert media.size == len(b"better copy")
    [entry] = await journal(library.db)
    assert entry.state == FileMoveState.DONE
    assert entry.media_file_id == placed.media_file_id
    assert existing != placed.media_file_id


async def test_place_file_without_a_root_folder_is_refused(db: Database, tmp_path: Path) -> None:
    async with db.writer() as session:
        artist = Artist(name="Nobody", sort_name="Nobody", name_key="nobody", search_text="nobody")
        session.add(artist)
        await session.flush()
        from mvidarr.models import Video

        video = Video(artist_id=artist.id, title="T", sort_title="T", search_text="t")
        session.add(video)
        await session.commit()
    source = tmp_path / "f.mkv"
    source.write_bytes(b"x")
    with pytest.raises(NoRootFolder):
        await placement.place_file(db.writer, video.id, source)
    assert source.exists()


async def test_move_into_a_taken_place_is_a_conflict_not_an_overwrite(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    await library.add("Blur", "Song 2", "s2.mkv", content=b"ours")
    plan = await service.make_plan(library.db.reader)
    # Someone puts a file at the destination after the plan was made.
    squatter = library.root / "Blur/Blur - Song 2.mkv"
    squatter.parent.mkdir()
    squatter.write_bytes(b"theirs")
    result = await moves.apply_plan(library.db.writer, plan)
    assert result.moved == 0
    assert len(result.conflicts) == 1
    assert squatter.read_bytes() == b"theirs"
    assert (library.root / "s2.mkv").read_bytes() == b"ours"


async def test_running_job_rows_are_left_to_their_job(library: Library) -> None:
    from mvidarr.models import Job, JobStatus

    _, media_id = await library.add("Nirvana", "Lithium", "l.mkv")
    async with library.db.writer() as session:
        job = Job(type="library.organize", status=JobStatus.RUNNING, lease_expires_at=utcnow() + LATER * 2)
        session.add(job)
        await session.flush()
        session.add(
            FileMove(
                job_id=job.id,
                media_file_id=media_id,
                src_path=str(library.root / "l.mkv"),
                dst_path=str(library.root / "N/l.mkv"),
                dst_relative_path="N/l.mkv",
                sidecars=[],
                state=FileMoveState.PENDING,
            )
        )
        await session.commit()
    assert (await recovery.recover_moves(library.db.writer, now=utcnow() + LATER)).rolled_back == 0
    async with library.db.writer() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.FAILED))
        await session.commit()
    assert (await recovery.recover_moves(library.db.writer)).rolled_back == 1


async def test_renamed_artist_folder_takes_its_artist_files_and_the_old_one_goes(library: Library) -> None:
    await library.add("Sigur Ros", "Hoppipolla", "Sigur Ros/Sigur Ros - Hoppipolla.mkv")
    await library.add("Sigur Ros", "Glosoli", "Sigur Ros/Sigur Ros - Glosoli.mkv")
    for name in ("artist.nfo", "folder.jpg", "fanart.jpg"):
        (library.root / "Sigur Ros" / name).write_bytes(name.encode())
    (library.root / "Kept").mkdir()
    await library.add("Kept", "Song", "Kept/Kept - Song.mkv")
    (library.root / "Kept" / "artist.nfo").write_bytes(b"kept")
    async with library.db.writer() as session:
        await session.execute(update(Artist).where(Artist.name == "Sigur Ros").values(name="Sigur Rós"))
        await session.execute(update(Artist).where(Artist.name == "Kept").values(name="Moved"))
        await session.commit()
    (library.root / "Moved").mkdir()
    (library.root / "Moved" / "artist.nfo").write_bytes(b"already here")

    result = await organise(library.db)
    assert result.moved == 3
    assert library.files() == {
        "Sigur Rós/Sigur Rós - Hoppipolla.mkv",
        "Sigur Rós/Sigur Rós - Glosoli.mkv",
        "Sigur Rós/artist.nfo",
        "Sigur Rós/folder.jpg",
        "Sigur Rós/fanart.jpg",
        "Moved/Moved - Song.mkv",
        "Moved/artist.nfo",
        "Kept/artist.nfo",  # the new folder had one: nothing is overwritten, the old stays
    }
    assert (library.root / "Sigur Rós/folder.jpg").read_bytes() == b"folder.jpg"
    assert (library.root / "Moved/artist.nfo").read_bytes() == b"already here"
    assert not (library.root / "Sigur Ros").exists()


async def test_start_up_recovery_takes_over_the_moves_of_a_killed_worker_at_once(library: Library) -> None:
    """A killed process's lease runs on for a minute; start-up recovery need not wait for it when the
    worker's process is gone (the moves of a live worker are left alone)."""
    import asyncio
    import sys

    from mvidarr.jobs.runner import worker_gone, worker_id_for
    from mvidarr.models import Job, JobStatus

    finished = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await finished.wait()
    dead_pid = finished.pid
    _, dead_media = await library.add("Nirvana", "Lithium", "l.mkv")
    _, live_media = await library.add("Nirvana", "Breed", "b.mkv")
    leased = utcnow() + LATER * 2
    async with library.db.writer() as session:
        dead = Job(
            type="library.organize",
            status=JobStatus.RUNNING,
            lease_expires_at=leased,
            worker_id=worker_id_for(dead_pid),
        )
        live = Job(
            type="library.organize",
            status=JobStatus.RUNNING,
            lease_expires_at=leased,
            worker_id=worker_id_for(os.getppid()),
        )
        session.add_all([dead, live])
        await session.flush()
        for job, media_id, name in ((dead, dead_media, "l.mkv"), (live, live_media, "b.mkv")):
            session.add(
                FileMove(
                    job_id=job.id,
                    media_file_id=media_id,
                    src_path=str(library.root / name),
                    dst_path=str(library.root / "N" / name),
                    dst_relative_path=f"N/{name}",
                    sidecars=[],
                    state=FileMoveState.PENDING,
                )
            )
        await session.commit()
    assert worker_gone(worker_id_for(dead_pid))
    assert not worker_gone(worker_id_for(os.getppid()))
    assert not worker_gone("another-host:1:abcdef")
    result = await recovery.recover_moves(library.db.writer, worker_gone=worker_gone)
    assert result.rolled_back == 1
    states = {move.src_path.rsplit("/", 1)[1]: move.state for move in await journal(library.db)}
    assert states == {"l.mkv": FileMoveState.ROLLED_BACK, "b.mkv": FileMoveState.PENDING}
