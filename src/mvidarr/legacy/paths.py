"""Where 0.9.7's files are now: its `local_path` (absolute, or relative to 0.9.7's working
directory) through the user's path maps (old library root -> a folder here), into a root folder.

Blocking (stats and directory reads): the import runs it in a worker thread.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from mvidarr.errors import InvalidInput
from mvidarr.kit.text import fold
from mvidarr.library.walk import is_video_name

# What 0.9.7's file-name cleaner took out of names after the row was written: bracketed tags
# ("(Official Video)", "[4K]", "(HD)"), punctuation; compared case- and accent-blind.
_TAGS = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class PathMap:
    old: str
    new: str

    @classmethod
    def parse(cls, text: str) -> PathMap:
        old, sep, new = text.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise InvalidInput(f"path map {text!r} is not OLD=NEW", loc=("body", "path_maps"))
        if not new.startswith("/"):
            raise InvalidInput(f"path map {text!r}: NEW must be an absolute path here", loc=("body", "path_maps"))
        return cls(_norm(old), _norm(new))


@dataclass(frozen=True, slots=True)
class Placement:
    root_id: int | None
    relative: str | None
    absolute: str | None
    exists: bool
    size: int = 0
    renamed_from: str | None = None
    problem: str | None = None


def _norm(path: str) -> str:
    text = path.strip().replace("\\", "/")
    normal = posixpath.normpath(text)
    return normal.removeprefix("./") if normal != "." else ""


def _loose(name: str) -> str:
    stem = os.path.splitext(name)[0]
    return _NOT_WORD.sub("", fold(_TAGS.sub("", stem)))


@dataclass
class Placer:
    maps: list[PathMap]
    roots: list[tuple[int, str]]
    _listings: dict[str, list[str] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.maps = sorted(self.maps, key=lambda m: len(m.old), reverse=True)
        self.roots = sorted(((i, p.rstrip("/") or "/") for i, p in self.roots), key=lambda r: len(r[1]), reverse=True)

    def mapped(self, local_path: str) -> str:
        path = _norm(local_path)
        for item in self.maps:
            if path == item.old or path.startswith(item.old.rstrip("/") + "/"):
                return posixpath.join(item.new, path[len(item.old) :].lstrip("/")).rstrip("/")
        return path

    def root_of(self, absolute: str) -> tuple[int, str] | None:
        for root_id, root in self.roots:
            if absolute == root or absolute.startswith(root.rstrip("/") + "/"):
                return root_id, posixpath.relpath(absolute, root)
        return None

    def place(self, local_path: str) -> Placement:
        absolute = self.mapped(local_path)
        if not absolute.startswith("/"):
            return Placement(
                None, None, None, False,
                problem="relative to 0.9.7's working directory and no path map covers it "
                f"(e.g. --map-path {PurePosixPath(absolute).parts[0]}=/path/here)",
            )  # fmt: skip
        found = self._stat(absolute)
        renamed_from = None
        if found is None:
            alternative = self._cleaned(absolute)
            if alternative is not None:
                renamed_from, absolute = absolute, alternative
                found = self._stat(absolute)
        inside = self.root_of(absolute)
        if inside is None:
            problem = "not inside any root folder here (add a root folder, or map the path into one)"
            return Placement(None, None, absolute, found is not None, found or 0, renamed_from, problem)
        if found is None:
            return Placement(inside[0], inside[1], absolute, False, problem="no file at this path")
        return Placement(inside[0], inside[1], absolute, True, found, renamed_from)

    def _stat(self, path: str) -> int | None:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        return st.st_size if os.path.isfile(path) else None

    def _cleaned(self, path: str) -> str | None:
        """The file 0.9.7's cleaner renamed this one to: the only video file in the same folder whose
        name matches once tags and punctuation are ignored."""
        folder, name = posixpath.split(path)
        if folder not in self._listings:
            try:
                self._listings[folder] = [n for n in os.listdir(folder) if is_video_name(os.fsencode(n))]
            except OSError:
                self._listings[folder] = None
        names = self._listings[folder]
        if not names:
            return None
        want = _loose(name)
        matches = [n for n in names if _loose(n) == want]
        return posixpath.join(folder, matches[0]) if len(matches) == 1 else None
