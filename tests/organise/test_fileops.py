from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvidarr.kit.atomic import PART_PREFIX
from mvidarr.organise import fileops
from mvidarr.organise.fileops import (
    DestinationExistsError,
    MoveVerificationError,
    free_path,
    move_file,
    remove_empty_dirs,
)


def _other_filesystem(tmp_path: Path) -> Path | None:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != tmp_path.stat().st_dev:
        return shm
    return None


@pytest.fixture
def other_fs(tmp_path: Path) -> Iterator[Path]:
    """A folder on a different filesystem from tmp_path (a real cross-device move), or skip."""
    base = _other_filesystem(tmp_path)
    if base is None:
        pytest.skip("no second filesystem (/dev/shm) on this machine")
    folder = Path(tempfile.mkdtemp(dir=base, prefix="mvidarr-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_same_filesystem_move_creates_parents_and_keeps_content(tmp_path: Path) -> None:
    src = tmp_path / "in" / "a.mkv"
    src.parent.mkdir()
    src.write_bytes(b"video" * 100)
    mtime = src.stat().st_mtime_ns
    dst = tmp_path / "AC-DC" / "AC-DC - Thunderstruck.mkv"
    move_file(src, dst)
    assert not src.exists()
    assert dst.read_bytes() == b"video" * 100
    assert dst.stat().st_mtime_ns == mtime
    assert dst.stat().st_nlink == 1


def test_never_overwrites(tmp_path: Path) -> None:
    src, dst = tmp_path / "a.mkv", tmp_path / "b.mkv"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    with pytest.raises(DestinationExistsError):
        move_file(src, dst)
    assert src.read_bytes() == b"new"
    assert dst.read_bytes() == b"old"


def test_missing_source_raises_and_creates_no_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        move_file(tmp_path / "nope.mkv", tmp_path / "x" / "y.mkv")
    assert not (tmp_path / "x").exists()


def test_real_cross_device_move(tmp_path: Path, other_fs: Path) -> None:
    src = other_fs / "clip.mp4"
    payload = os.urandom(300_000)
    src.write_bytes(payload)
    os.utime(src, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    dst = tmp_path / "Sigur Rós" / "Sigur Rós - Hoppípolla.mp4"
    move_file(src, dst)
    assert not src.exists()
    assert dst.read_bytes() == payload
    assert dst.stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert [p.name for p in dst.parent.iterdir()] == [dst.name]


def test_cross_device_move_refuses_taken_destination(tmp_path: Path, other_fs: Path) -> None:
    src = other_fs / "clip.mp4"
    src.write_bytes(b"x" * 1000)
    dst = tmp_path / "taken.mp4"
    dst.write_bytes(b"mine")
    with pytest.raises(DestinationExistsError):
        move_file(src, dst)
    assert src.read_bytes() == b"x" * 1000
    assert dst.read_bytes() == b"mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(PART_PREFIX)]


def test_cross_device_copy_that_does_not_verify_keeps_the_source(
    tmp_path: Path, other_fs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = other_fs / "clip.mp4"
    src.write_bytes(b"y" * 5000)

    def corrupting_copy(a: Path, b: Path) -> None:
        Path(b).write_bytes(b"y" * 4999 + b"z")

    monkeypatch.setattr(fileops.shutil, "copyfile", corrupting_copy)
    dst = tmp_path / "out" / "clip.mp4"
    with pytest.raises(MoveVerificationError):
        move_file(src, dst)
    assert src.read_bytes() == b"y" * 5000
    assert not dst.exists()
    assert not (tmp_path / "out").exists()


def test_link_unsupported_falls_back_to_checked_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(a: object, b: object) -> None:
        raise OSError(errno.EPERM, "links not supported")

    monkeypatch.setattr(fileops.os, "link", no_links)
    src, dst = tmp_path / "a.mkv", tmp_path / "sub" / "b.mkv"
    src.write_bytes(b"abc")
    move_file(src, dst)
    assert dst.read_bytes() == b"abc"
    assert not src.exists()
    src.write_bytes(b"def")
    with pytest.raises(DestinationExistsError):
        move_file(src, dst)
    assert dst.read_bytes() == b"abc"


def test_simulated_exdev_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, dst = tmp_path / "a.mkv", tmp_path / "b" / "a.mkv"
    real_link = os.link

    def exdev(a: Path, b: Path) -> None:
        if Path(a) == src:
            raise OSError(errno.EXDEV, "cross-device link")
        real_link(a, b)

    monkeypatch.setattr(fileops.os, "link", exdev)
    src.write_bytes(b"z" * 10)
    move_file(src, dst)
    assert dst.read_bytes() == b"z" * 10
    assert not src.exists()


def test_remove_empty_dirs_stops_at_root_and_at_non_empty(tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "keep.txt").write_text("k")
    removed = remove_empty_dirs([tmp_path / "a" / "b" / "c"], stop=tmp_path)
    assert removed == [tmp_path / "a" / "b" / "c", tmp_path / "a" / "b"]
    assert (tmp_path / "a").is_dir()
    (tmp_path / "x").mkdir()
    assert remove_empty_dirs([tmp_path / "x"], stop=tmp_path) == [tmp_path / "x"]
    assert tmp_path.is_dir()


def test_free_path_numbers_taken_names(tmp_path: Path) -> None:
    (tmp_path / "Song.mkv").write_bytes(b"")
    (tmp_path / "Song (2).mkv").write_bytes(b"")
    assert free_path(tmp_path / "Song.mkv") == tmp_path / "Song (3).mkv"
    assert free_path(tmp_path / "Other.mkv") == tmp_path / "Other.mkv"
