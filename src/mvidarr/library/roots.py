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


def validate_new_path(raw: str) -> tuple[Path | None, str | None]:
    """The resolved path, or why it cannot be a root folder."""
    if "\x00" in raw:
        return None, "path must not contain NUL characters"
    pure = PurePosixPath(raw)
    if not pure.is_absolute():
        return None, "path must be absolute"
    if ".." in pure.parts:
        return None, "path must not contain '..'"
    path = Path(raw)
    if not path.exists():
        return None, f"{raw} does not exist"
    if not path.is_dir():
        return None, f"{raw} is not a directory"
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return None, f"{raw} is not writable by the MVidarr process"
    return path.resolve(), None


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
