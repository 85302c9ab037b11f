"""Moving files into a root folder's trash and back (blocking: call through a thread).

A trashed file keeps its path under `<root>/.mvidarr-trash/<entry folder>/`, so restoring needs
nothing but the entry; its sidecars (NFO, thumbnails, subtitles, .info.json) travel with it.
Every move goes through `organise.fileops.move_file`: never overwrites, never half-writes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mvidarr.library.walk import is_video_name
from mvidarr.organise.fileops import free_path, move_file, remove_empty_dirs

TRASH_DIR = ".mvidarr-trash"
"""Inside each root folder; hidden, so scans never enter it."""
_ARTWORK_SUFFIXES = ("-thumb.", "-poster.", "-fanart.", "-landscape.")


@dataclass(frozen=True, slots=True)
class Located:
    """A file to trash: its root and its path relative to the root, as the OS takes it."""

    root: str
    relative: str
    """Relative path, with undecodable bytes as surrogate escapes (os.fsdecode)."""


@dataclass(slots=True)
class Moved:
    found: bool
    sidecars: list[str] = field(default_factory=list)
    error: str | None = None


def sidecars_of(path: Path) -> list[Path]:
    """Files beside a video that belong to it: `<stem>.<anything not a video>` and `<stem>-thumb.jpg` etc."""
    stem = path.stem
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    found: list[Path] = []
    for name in names:
        if name == path.name or not name.startswith(stem) or is_video_name(os.fsencode(name)):
            continue
        rest = name[len(stem) :]
        if rest.startswith(".") or rest.startswith(_ARTWORK_SUFFIXES):
            candidate = path.parent / name
            if candidate.is_file():
                found.append(candidate)
    return sorted(found)


def trash_one(item: Located, folder: str) -> Moved:
    """Move one file and its sidecars to `<root>/<folder>/<relative>`; a missing file is reported, not an error."""
    root = Path(item.root)
    source = root / item.relative
    if not source.is_file():
        return Moved(found=False)
    target = root / folder / item.relative
    sidecars = sidecars_of(source)
    try:
        move_file(source, target)
    except OSError as exc:
        return Moved(found=True, error=f"{item.relative}: {exc.strerror or exc}")
    moved: list[str] = []
    for sidecar in sidecars:
        try:
            move_file(sidecar, target.parent / sidecar.name)
            moved.append(sidecar.name)
        except OSError:
            continue  # a sidecar that cannot move stays; the video itself is safe in the trash
    return Moved(found=True, sidecars=moved)


def untrash(root_path: str, folder: str, relative: str, sidecars: list[str], *, free: bool) -> str:
    """Move a trashed file (and its sidecars) back to its path, or the first free variant when `free`.

    Folders removed since are created again. Returns the relative path it landed at.
    """
    root = Path(root_path)
    source = root / folder / relative
    wanted = root / relative
    target = free_path(wanted) if free else wanted
    move_file(source, target)
    for name in sidecars:
        old = source.parent / name
        if not old.is_file():
            continue
        new_name = target.stem + name[len(wanted.stem) :] if name.startswith(wanted.stem) else name
        try:
            move_file(old, free_path(target.parent / new_name))
        except OSError:
            continue
    remove_empty_dirs([source.parent], stop=root / TRASH_DIR)
    return str(target.relative_to(root))


def purge(root_path: str, folder: str) -> None:
    """Delete an entry's trash folder for good."""
    root = Path(root_path)
    target = root / folder
    if target.parent != root / TRASH_DIR:  # only ever an entry folder directly inside the trash
        raise ValueError(f"{folder} is not a trash entry folder")
    shutil.rmtree(target, ignore_errors=True)


def delete_now(item: Located) -> bool:
    """Delete a file and its sidecars at once (permanent deletion); False when it was already gone."""
    source = Path(item.root) / item.relative
    if not source.is_file():
        return False
    for sidecar in sidecars_of(source):
        sidecar.unlink(missing_ok=True)
    source.unlink()
    remove_empty_dirs([source.parent], stop=Path(item.root))
    return True


def tidy(root_path: str, relatives: list[str]) -> None:
    """Remove the folders left empty by trashing these files (never the root itself)."""
    root = Path(root_path)
    remove_empty_dirs([(root / r).parent for r in relatives], stop=root)


def stored_path(relative: str) -> tuple[str, bytes | None]:
    """A path as media_file keeps it: text, plus its real bytes when they are not valid UTF-8."""
    raw = os.fsencode(relative)
    try:
        return raw.decode(), None
    except UnicodeDecodeError:
        return raw.decode(errors="replace"), raw
