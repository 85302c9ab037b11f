"""Filesystem checks for root folders (blocking; call through a thread)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True, slots=True)
class FolderState:
    accessible: bool
    free_bytes: int | None
    reason: str | None = None


# The system's own folders: never a library, nor anything inside them.
_SYSTEM_TREES = tuple(
    Path(p)
    for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr")
)
# Folders that hold others' data: a library may live inside them, never be one of them.
_SYSTEM_FOLDERS = tuple(
    Path(p) for p in ("/", "/home", "/media", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var", "/var/lib", "/var/tmp")
)


@dataclass(frozen=True, slots=True)
class DataFolders:
    """MVidarr's own folders, which a root folder must keep clear of (the default library excepted)."""

    data_dir: Path
    library_dir: Path

    def refusal(self, path: Path) -> str | None:
        """Why `path` (resolved) cannot be a root folder because of MVidarr's own data, or None."""
        data = self.data_dir.resolve()
        library = self.library_dir.resolve()
        if path == library or path.is_relative_to(library):
            return None
        if path == data:
            return (
                f"{path} is MVidarr's data folder (database, caches, secret key); use {library} or a folder outside it"
            )
        if data.is_relative_to(path):
            return f"{path} contains MVidarr's data folder {data}; choose a folder that holds only videos"
        if path.is_relative_to(data):
            return f"{path} is inside MVidarr's data folder {data}, which is for its own files; use {library}"
        return None


def system_refusal(path: Path) -> str | None:
    """Why `path` (resolved) is a system folder that cannot be a root folder, or None."""
    for tree in _SYSTEM_TREES:
        if path == tree or path.is_relative_to(tree):
            return f"{path} is a system folder ({tree}); choose a folder that holds your videos"
    if path in _SYSTEM_FOLDERS:
        return f"{path} is a system folder; choose a folder inside it that holds only your videos"
    return None


def validate_new_path(raw: str, own: DataFolders) -> tuple[Path | None, str | None]:
    """The resolved path, or why it cannot be a root folder."""
    if "\x00" in raw:
        return None, "path must not contain NUL characters"
    pure = PurePosixPath(raw)
    if not pure.is_absolute():
        return None, "path must be absolute"
    if ".." in pure.parts:
        return None, "path must not contain '..'"
    path = Path(raw)
    try:
        path.stat()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a name too long, a loop of links, no permission to look
        return None, f"{raw[:200]} cannot be used: {exc.strerror}"
    if not path.exists():
        return None, f"{raw} does not exist"
    if not path.is_dir():
        return None, f"{raw} is not a directory"
    resolved = path.resolve()
    refusal = system_refusal(resolved) or own.refusal(resolved)
    if refusal is not None:
        return None, refusal
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return None, f"{raw} is not writable by the MVidarr process"
    return resolved, None


def overlaps(candidate: Path, existing: Path) -> bool:
    return candidate == existing or candidate.is_relative_to(existing) or existing.is_relative_to(candidate)


def check_folder(path: str) -> FolderState:
    folder = Path(path)
    try:
        if not folder.is_dir():
            return FolderState(False, None, f"{path} is missing or not a directory")
        if not os.access(folder, os.R_OK | os.X_OK):
            return FolderState(False, None, f"{path} is not readable")
        return FolderState(True, shutil.disk_usage(folder).free)
    except OSError as exc:
        return FolderState(False, None, f"{path}: {exc.strerror}")
