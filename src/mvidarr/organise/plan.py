"""Planning an organise run: where each file should go, and which of those places are taken.

Pure and blocking (it lists folders and checks paths): the job runs it in a thread. The same plan
is shown by a dry run and carried out by the apply, so they cannot disagree.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from mvidarr.organise.naming import NamingFields, Template
from mvidarr.organise.sanitise import numbered, split_extension

# What moves with a video: `<stem><suffix>` next to it (Kodi, Jellyfin and yt-dlp names).
SIDECAR = re.compile(
    r"^(\.nfo"
    r"|-(thumb|poster|fanart|banner|clearart|clearlogo|landscape|disc)\.(jpe?g|png|webp)"
    r"|\.(jpe?g|png|webp)"
    r"|(\.[a-z0-9_-]{1,16}){0,2}\.(srt|vtt|ass|ssa|sub|idx|lrc)"
    r"|\.info\.json|\.description)$",
    re.IGNORECASE,
)
MAX_NUMBER = 999


@dataclass(frozen=True, slots=True)
class Candidate:
    """One current file of a video, with what the template needs and where its artist's files belong."""

    media_file_id: int
    video_id: int
    root_folder_id: int
    root_path: str
    path: str
    """Absolute path as the OS takes it (undecodable bytes as surrogate escapes)."""
    target_root_id: int
    target_root_path: str
    fields: NamingFields


@dataclass(frozen=True, slots=True)
class PlannedMove:
    media_file_id: int
    video_id: int
    src_root_id: int
    src_root: str
    root_folder_id: int
    src: str
    dst: str
    dst_relative: str
    sidecars: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Conflict:
    media_file_id: int
    video_id: int
    path: str
    reason: str


@dataclass(slots=True)
class Plan:
    moves: list[PlannedMove] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0


class _Folders:
    """Folder listings, read once per folder per plan."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}
        self._folded: dict[str, dict[str, str]] = {}

    def taken(self, path: str) -> str | None:
        """The entry that takes `path`'s name in its folder, comparing without case (as SMB and macOS do)."""
        folder, name = os.path.split(path)
        folded = self._folded.get(folder)
        if folded is None:
            folded = {entry.casefold(): entry for entry in self.names(folder)}
            self._folded[folder] = folded
        entry = folded.get(name.casefold())
        return os.path.join(folder, entry) if entry is not None else None

    def names(self, folder: str) -> list[str]:
        names = self._names.get(folder)
        if names is None:
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                names = []
            self._names[folder] = names
        return names


def sidecars_of(video_path: str, folders: _Folders | None = None, claimed: set[str] | None = None) -> list[str]:
    """Files next to `video_path` that belong to it (`<stem>.nfo`, `<stem>-thumb.jpg`, `<stem>.en.srt`...)."""
    folder, name = os.path.split(video_path)
    stem, _ext = os.path.splitext(name)
    listing = (folders or _Folders()).names(folder)
    found: list[str] = []
    # The listing is sorted, so the names starting with the stem are one run from bisect.
    for index in range(bisect_left(listing, stem), len(listing)):
        entry = listing[index]
        if not entry.startswith(stem):
            break
        if entry == name:
            continue
        if SIDECAR.match(entry[len(stem) :]):
            path = os.path.join(folder, entry)
            if claimed is None or path not in claimed:
                found.append(path)
    return found


def _key(root_id: int, relative: str) -> tuple[int, str]:
    # Windows, SMB and macOS compare names without case: two names differing in case collide.
    return root_id, relative.casefold()


def plan_moves(template: Template, candidates: Iterable[Candidate]) -> Plan:
    """Where each candidate goes; files already in place stay, taken places get ` (2)`, ` (3)`..."""
    items = list(candidates)
    plan = Plan()
    folders = _Folders()
    sources = {c.path for c in items}
    claimed_keys: set[tuple[int, str]] = set()
    claimed_sidecars: set[str] = set()
    # Files already where the template puts them keep their places first.
    pending: list[tuple[Candidate, str, str]] = []
    for c in items:
        folder_parts = template.render(c.fields)
        _stem, ext = split_extension(os.path.basename(c.path))
        relative = "/".join(folder_parts) + ext.lower()
        current_relative = os.path.relpath(c.path, c.root_path).replace(os.sep, "/")
        pending.append((c, relative, current_relative))
    taken_in_place: set[int] = set()
    for c, relative, current in pending:
        if c.root_folder_id == c.target_root_id and _matches(relative, current):
            claimed_keys.add(_key(c.target_root_id, current))
            taken_in_place.add(c.media_file_id)
    for c, relative, current in pending:
        if c.media_file_id in taken_in_place:
            plan.unchanged += 1
            continue
        chosen: str | None = None
        for n in range(1, MAX_NUMBER + 1):
            candidate = _numbered_path(relative, n)
            if c.root_folder_id == c.target_root_id and candidate == current:
                chosen = candidate
                break
            if _key(c.target_root_id, candidate) in claimed_keys:
                continue
            absolute = os.path.join(c.target_root_path, candidate)
            # A file moving away frees its place; any other file there keeps it.
            occupant = folders.taken(absolute)
            if occupant is not None and occupant not in sources:
                continue
            chosen = candidate
            break
        if chosen is None:
            plan.conflicts.append(Conflict(c.media_file_id, c.video_id, relative, "no free name up to (999)"))
            continue
        claimed_keys.add(_key(c.target_root_id, chosen))
        if c.root_folder_id == c.target_root_id and chosen == current:
            plan.unchanged += 1
            continue
        dst = os.path.join(c.target_root_path, chosen)
        sidecars = sidecars_of(c.path, folders, claimed_sidecars)
        claimed_sidecars.update(sidecars)
        dst_stem = os.path.splitext(dst)[0]
        src_stem_len = len(os.path.splitext(c.path)[0])
        pairs = [(s, dst_stem + s[src_stem_len:]) for s in sidecars]
        plan.moves.append(
            PlannedMove(
                c.media_file_id,
                c.video_id,
                c.root_folder_id,
                c.root_path,
                c.target_root_id,
                c.path,
                dst,
                chosen,
                pairs,
            )
        )
    return plan


def _numbered_path(relative: str, n: int) -> str:
    folder, _, name = relative.rpartition("/")
    name = numbered(name, n)
    return f"{folder}/{name}" if folder else name


def _matches(relative: str, current: str) -> bool:
    """Whether `current` is `relative` or one of its numbered variants (`name (2).ext`)."""
    if current == relative:
        return True
    folder, _, name = relative.rpartition("/")
    cur_folder, _, cur_name = current.rpartition("/")
    if folder != cur_folder:
        return False
    stem, ext = split_extension(name)
    match = re.fullmatch(re.escape(stem) + r" \((\d{1,3})\)" + re.escape(ext), cur_name)
    return match is not None and 2 <= int(match.group(1)) <= MAX_NUMBER
