from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mvidarr.kit import atomic
from mvidarr.kit.atomic import PART_PREFIX, write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_replaces_the_whole_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "n" / "a.nfo"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(path.parent) == ["a.nfo"]


def test_a_crash_mid_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.nfo"
    path.write_bytes(b"old")

    def crash(fd: int) -> None:  # the process dies after writing, before the rename
        raise OSError(5, "I/O error")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(OSError, match="I/O error"):
        write_atomic(path, b"new and longer")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.nfo"], "the temporary file was removed"


def test_a_crash_before_the_rename_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.nfo"
    path.write_bytes(b"old")

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # not only OSError: any interruption cleans up

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(PART_PREFIX)]


def test_the_file_and_its_folder_are_fsynced_before_it_counts_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.nfo"
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        synced.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    write_atomic(path, b"data")
    assert synced == ["file", "rename", "dir"]

    synced.clear()
    write_atomic(tmp_path / "cache.jpg", b"data", durable=False)
    assert synced == ["rename"]


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "a.nfo"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert _mode(path) == 0o640


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.nfo", b"new")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "a.nfo") == 0o640


def test_an_explicit_mode_wins_and_is_private_from_creation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"old")
    path.chmod(0o644)
    modes: list[int] = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        modes.append(_mode(Path(src)))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    write_atomic(path, b"key", mode=0o600)
    assert modes == [0o600]
    assert _mode(path) == 0o600
    assert path.read_bytes() == b"key"


def test_times_are_set_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "folder.jpg"
    write_atomic(path, b"jpeg", times_ns=(1_000_000_000, 2_000_000_000))
    assert path.stat().st_mtime_ns == 2_000_000_000
