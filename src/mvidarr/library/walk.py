"""Walking a root folder for video files: lazily, in batches, never leaving the root.

Blocking (directory reads and stats); the scan advances it from a worker thread, one batch at
a time, so a library of any size never sits in memory as a list of paths. Paths are handled
as bytes so names that are not valid UTF-8 still reach the right file.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

VIDEO_EXTENSIONS = frozenset(
    {b".mp4", b".m4v", b".mkv", b".webm", b".mov", b".avi", b".wmv", b".flv", b".mpg", b".mpeg", b".ts"}
)
TRASH_FOLDER = ".mvidarr-trash"
PARTIAL_SUFFIXES = (b".part", b".ytdl", b".temp")
# yt-dlp's intermediates: "x.temp.mp4", "x.f137.mp4" (a format before merging), "x.mp4.part-Frag3".
_PARTIAL = re.compile(rb"\.temp\.[^.]+$|\.f\d+\.[^.]+$|\.part-frag\d*$")
MAX_RECORDED_PROBLEMS = 200


class RootUnavailable(Exception):
    """The root folder itself cannot be listed (gone, unmounted, unreadable)."""


@dataclass(frozen=True, slots=True)
class FoundFile:
    relative: bytes
    size: int
    mtime: float

    @property
    def relative_text(self) -> str:
        """The path as stored and shown: invalid UTF-8 bytes become U+FFFD."""
        return self.relative.decode("utf-8", "replace")

    @property
    def raw_bytes(self) -> bytes | None:
        """The real bytes when the text form cannot reach the file, else None."""
        try:
            self.relative.decode("utf-8")
        except UnicodeDecodeError:
            return self.relative
        return None


def is_video_name(name: bytes) -> bool:
    lowered = name.lower()
    if lowered.startswith(b"."):
        return False
    _, extension = os.path.splitext(lowered)
    if extension not in VIDEO_EXTENSIONS:
        return False
    return not (lowered.endswith(PARTIAL_SUFFIXES) or _PARTIAL.search(lowered))


def _inside(real: bytes, root_real: bytes) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(b"/") + b"/")


class Walk:
    """One pass over a root folder; iterate it, or take `batch(n)` from a thread at a time.

    Hidden folders (the trash folder among them) are skipped. Symbolic links are followed only
    when their target lies inside the root, and a linked folder is entered once. Folders that
    cannot be listed are remembered in `unlisted` so their files are not taken for missing.
    """

    def __init__(self, root: str) -> None:
        self.root = os.fsencode(root)
        self.root_real = os.path.realpath(self.root)
        self.unlisted: list[bytes] = []
        self.skipped_links: list[bytes] = []
        self.problems: list[str] = []
        self._followed: set[bytes] = {self.root_real}
        self._files = self._iterate()

    def batch(self, size: int) -> list[FoundFile]:
        return list(islice(self._files, size))

    def __iter__(self) -> Iterator[FoundFile]:
        return self._files

    def _problem(self, text: str) -> None:
        if len(self.problems) < MAX_RECORDED_PROBLEMS:
            self.problems.append(text)

    def _iterate(self) -> Iterator[FoundFile]:
        try:
            top = os.scandir(self.root)
        except OSError as exc:
            raise RootUnavailable(f"{os.fsdecode(self.root)}: {exc.strerror or exc}") from None
        stack: list[tuple[bytes, Iterator[os.DirEntry[bytes]]]] = [(b"", top)]
        while stack:
            prefix, listing = stack[-1]
            try:
                entry = next(listing, None)
            except OSError as exc:
                entry = None
                self._unlisted(prefix, exc)
            if entry is None:
                close = getattr(listing, "close", None)
                if close is not None:
                    close()
                stack.pop()
                continue
            relative = prefix + entry.name
            try:
                found, subfolder = self._visit(entry, relative)
            except OSError as exc:  # vanished or unreadable between listing and stat
                self._problem(f"{relative.decode('utf-8', 'replace')}: {exc.strerror or exc}")
                continue
            if found is not None:
                yield found
            elif subfolder is not None:
                try:
                    stack.append((relative + b"/", os.scandir(subfolder)))
                except OSError as exc:
                    self._unlisted(relative + b"/", exc)

    def _unlisted(self, prefix: bytes, exc: OSError) -> None:
        self.unlisted.append(prefix)
        self._problem(f"cannot list {prefix.decode('utf-8', 'replace') or '/'}: {exc.strerror or exc}")

    def _visit(self, entry: os.DirEntry[bytes], relative: bytes) -> tuple[FoundFile | None, bytes | None]:
        """A file to report, or a folder to enter, or neither."""
        name = entry.name
        if entry.is_symlink():
            real = os.path.realpath(entry.path)
            if not _inside(real, self.root_real):
                self.skipped_links.append(relative)
                self._problem(f"{relative.decode('utf-8', 'replace')}: symbolic link leaves the root; not followed")
                return None, None
            info = os.stat(entry.path)
            if stat.S_ISDIR(info.st_mode):
                if name.startswith(b".") or real in self._followed:
                    return None, None
                self._followed.add(real)
                return None, entry.path
        elif entry.is_dir(follow_symlinks=False):
            return (None, None) if name.startswith(b".") else (None, entry.path)
        else:
            info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or not is_video_name(name):
            return None, None
        return FoundFile(relative=relative, size=info.st_size, mtime=info.st_mtime), None


def root_identity(root: str) -> tuple[int, int] | None:
    """(device, inode) of the root folder, or None when it is gone or not a folder."""
    try:
        info = os.stat(root)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def absolute_path(root: str, relative_text: str, relative_bytes: bytes | None) -> str:
    """The file's path as the OS takes it (undecodable bytes kept through surrogate escapes)."""
    raw = relative_bytes if relative_bytes is not None else relative_text.encode("utf-8")
    return os.fsdecode(os.fsencode(root).rstrip(b"/") + b"/" + raw)
