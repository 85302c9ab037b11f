"""The one way MVidarr writes a whole file: readers see the old content or the new, never a part.

The bytes go to a hidden temporary file beside the target (named with `PART_PREFIX`, so scans skip
it and recovery can remove it), are fsynced, and the temporary file is renamed over the target;
then the folder is fsynced so the rename survives a power cut. A crash at any point leaves the old
file as it was (and at worst a temporary file). Everything here is blocking; callers on the event
loop use `asyncio.to_thread`.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

# Temporary names start with this, so scans skip them and recovery can find and remove them.
PART_PREFIX = ".mvidarr-part-"


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (creations, renames, unlinks) durable. A no-op where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    times_ns: tuple[int, int] | None = None,
    durable: bool = True,
) -> None:
    """Replace `path` with `data` atomically, creating missing parent folders.

    Permissions: `mode` when given (set from creation, so a secret is never readable by others);
    otherwise an existing file keeps its own, and a new one gets the usual 0666 less the umask.
    `times_ns` sets (atime, mtime) in nanoseconds. `durable=False` skips the fsyncs, for caches
    that can be rebuilt.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    keep: int | None = mode
    if keep is None:
        try:
            keep = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            keep = None
    tmp = path.with_name(f"{PART_PREFIX}{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if keep is None else keep & 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if keep is not None:
                os.fchmod(handle.fileno(), keep)
            if durable:
                os.fsync(handle.fileno())
        if times_ns is not None:
            os.utime(tmp, ns=times_ns)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
