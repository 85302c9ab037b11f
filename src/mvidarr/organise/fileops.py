"""The one safe way to move a file in MVidarr (atomic writes are `mvidarr.kit.atomic`). Everything here is blocking.

`move_file` never overwrites and never leaves a half-written destination: on the same filesystem it
is a hard link + unlink (or a checked rename where links are not supported); across filesystems it
copies to a hidden temporary name next to the destination, fsyncs, verifies size (and a SHA-256 for
small files), publishes the copy under its final name, and only then unlinks the source.
Callers on the event loop run these functions with `asyncio.to_thread`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from mvidarr.kit.atomic import PART_PREFIX, fsync_dir

# Files up to this size are compared by content hash after a cross-device copy; larger ones by size.
HASH_VERIFY_MAX_BYTES = 64 * 1024 * 1024
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS, errno.EACCES}


class DestinationExistsError(FileExistsError):
    """The destination is taken; nothing was moved."""


class MoveVerificationError(OSError):
    """A cross-device copy did not match its source; the copy was removed and the source kept."""


def fsync_dirs(paths: Iterable[Path]) -> None:
    for path in set(paths):
        fsync_dir(path)


def make_dirs(path: Path) -> list[Path]:
    """Create a directory and its missing parents; return the ones created (outermost first)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    created: list[Path] = []
    for directory in reversed(missing):
        try:
            directory.mkdir()
            created.append(directory)
        except FileExistsError:
            pass
    return created


def _publish(tmp: Path, dst: Path) -> None:
    """Give `tmp` the name `dst` without ever replacing an existing `dst`."""
    try:
        os.link(tmp, dst)
    except FileExistsError:
        raise DestinationExistsError(errno.EEXIST, "destination exists", str(dst)) from None
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        # No hard links here (FAT, some SMB shares): a checked rename; the window is tiny.
        if os.path.lexists(dst):
            raise DestinationExistsError(errno.EEXIST, "destination exists", str(dst)) from None
        os.rename(tmp, dst)
        return
    os.unlink(tmp)


def file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def same_content(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes: same size, and the same hash when small enough."""
    try:
        size_a, size_b = a.stat().st_size, b.stat().st_size
    except FileNotFoundError:
        return False
    if size_a != size_b:
        return False
    return size_a > HASH_VERIFY_MAX_BYTES or file_digest(a) == file_digest(b)


def _copy_across(src: Path, dst: Path) -> Path:
    """Copy `src` to a hidden temporary file beside `dst`, durable and verified; return its path."""
    tmp = dst.with_name(f"{PART_PREFIX}{secrets.token_hex(6)}")
    try:
        shutil.copyfile(src, tmp)
        stat = src.stat()
        # Keep the modification time: scans compare size + mtime to skip unchanged files.
        os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if not same_content(src, tmp):
            raise MoveVerificationError(errno.EIO, "copy does not match its source", str(src))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def move_file(src: Path, dst: Path, *, sync: bool = True) -> None:
    """Move the file `src` to `dst`, creating parent folders; raise `DestinationExistsError` if `dst` exists.

    With `sync=False` the caller fsyncs the parent folders itself (a batch syncs each folder once).
    """
    if not src.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(src))
    if os.path.lexists(dst):
        raise DestinationExistsError(errno.EEXIST, "destination exists", str(dst))
    created = make_dirs(dst.parent)
    try:
        try:
            os.link(src, dst)
        except FileExistsError:
            raise DestinationExistsError(errno.EEXIST, "destination exists", str(dst)) from None
        except OSError as exc:
            if exc.errno == errno.EXDEV:
                _move_across(src, dst, sync=sync)
                return
            if exc.errno not in _NO_LINK:
                raise
            if os.path.lexists(dst):
                raise DestinationExistsError(errno.EEXIST, "destination exists", str(dst)) from None
            try:
                os.rename(src, dst)
            except OSError as rename_exc:
                if rename_exc.errno != errno.EXDEV:
                    raise
                _move_across(src, dst, sync=sync)
                return
        else:
            os.unlink(src)
    except BaseException:
        remove_empty_dirs(reversed(created))
        raise
    if sync:
        fsync_dirs([dst.parent, src.parent, *(d.parent for d in created)])


def _move_across(src: Path, dst: Path, *, sync: bool) -> None:
    tmp = _copy_across(src, dst)
    try:
        _publish(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The copy must be durable under its final name before the source goes.
    fsync_dir(dst.parent)
    os.unlink(src)
    if sync:
        fsync_dir(src.parent)


def remove_empty_dirs(directories: Iterable[Path], *, stop: Path | None = None) -> list[Path]:
    """Remove each directory that is empty, then its parents while empty, never `stop` or above it."""
    removed: list[Path] = []
    for directory in directories:
        current = directory
        while stop is None or (current != stop and current.is_relative_to(stop)):
            try:
                current.rmdir()
            except OSError:
                break
            removed.append(current)
            if stop is None:
                break
            current = current.parent
    return removed


def free_path(path: Path) -> Path:
    """`path` itself if free, else the first free `name (2).ext`, `name (3).ext`, ... (see `sanitise.numbered`)."""
    from mvidarr.organise.sanitise import numbered

    candidate, n = path, 1
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(numbered(path.name, n))
    return candidate
