"""One 0.9.7 import run: its state, and the bookkeeping every kind shares.

An `Importer` counts each 0.9.7 row into the report, remembers its `legacy_link` (what it became here),
carries a followed row's changes (decision 0056), checks URLs against the network policy and writes the
links at each checkpoint. The kinds themselves are imported by `legacy.kinds`, in the order
`legacy.service` runs them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import utcnow
from mvidarr.genres.repository import ensure as ensure_genres
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.paths import Placer
from mvidarr.legacy.schemas import KINDS, Example, KindReport, LegacyReport
from mvidarr.legacy.source import LegacyData
from mvidarr.models import LegacyLink
from mvidarr.network.policy import FetchRefused, NetworkPolicy

Progress = Callable[[float, str], Awaitable[None]]
ToThread = Callable[..., Awaitable[Any]]
BATCH = 2000
MAX_FILE_PROBLEMS = 500
MAX_EXAMPLES = 20

MAPS_TO = {
    "settings": "runtime settings (provider keys sealed in the encrypted store)",
    "users": "users, same role, no password: an admin resets it, the user changes it at first sign-in; 2FA reset",
    "themes": "custom themes of their creator",
    "artists": "artists (IMVDb/Spotify ids, keywords as include words, monitored, auto-download, folder, genres)",
    "videos": "videos (status mapped, ids, sources, year, album, label, genres, directors, producers, counts)",
    "files": "files of root folders, linked to their videos (probed by the next scan)",
    "downloads": "download history",
    "playlists": "manual playlists of their owner",
    "playlist_entries": "playlist items, renumbered 0..n in 0.9.7's order",
    "blocklist": "blocklist entries for any video (URLs reduced to the YouTube id)",
    "monitors": "YouTube playlist monitors (keywords as include words)",
}

# Kinds whose rows a re-run follows (decision 0056), and the fields it follows.
FOLLOWED = {
    "artist": follow.ARTIST_FIELDS,
    "video": follow.VIDEO_FIELDS,
    "playlist": follow.PLAYLIST_FIELDS,
    "monitor": follow.MONITOR_FIELDS,
}


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool
    placer: Placer
    source_label: str


@dataclass
class Importer:
    session: AsyncSession
    data: LegacyData
    options: ImportOptions
    sealer: Sealer
    hash_password: Callable[[str], Awaitable[str]]
    policy: NetworkPolicy
    progress: Progress | None = None
    to_thread: ToThread = asyncio.to_thread
    report: LegacyReport = field(init=False)
    _refusals: dict[tuple[str, str, int | None], str | None] = field(default_factory=dict)
    links: dict[tuple[str, str], int | None] = field(default_factory=dict)
    # (kind, legacy key) -> (link id, digest of the 0.9.7 row as last imported) for the followed kinds.
    link_digests: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    pending_links: list[dict[str, Any]] = field(default_factory=list)
    pending_fields: list[dict[str, Any]] = field(default_factory=list)
    thumbnails: int = 0
    scan_roots: set[int] = field(default_factory=set)
    artists_this_run: set[int] = field(default_factory=set)
    now: datetime = field(default_factory=utcnow)
    pending_file_links: list[tuple[int, int]] = field(default_factory=list)
    blocked_now: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.report = LegacyReport(
            source=self.options.source_label,
            server_version=self.data.server_version,
            dry_run=self.options.dry_run,
            kinds={k: KindReport(maps_to=MAPS_TO[k]) for k in KINDS},
            missing_tables=self.data.missing,
        )

    def count(self, kind: str, outcome: str, legacy_id: Any = None, name: str = "", reason: str | None = None) -> None:
        entry = self.report.kinds[kind]
        entry.total += 1
        setattr(entry, outcome, getattr(entry, outcome) + 1)
        if reason:
            entry.reasons[reason] = entry.reasons.get(reason, 0) + 1
            if len(entry.examples) < MAX_EXAMPLES:
                entry.examples.append(Example(legacy_id=str(legacy_id), name=name[:200], detail=reason))

    def linked(self, kind: str, key: Any) -> tuple[bool, int | None]:
        found = (kind, str(key))
        return (found in self.links, self.links.get(found))

    def link(self, kind: str, key: Any, target_id: int | None, fields: dict[str, Any] | None = None) -> None:
        self.links[(kind, str(key))] = target_id
        self.pending_links.append(
            {
                "source": self.options.source_label,
                "kind": kind,
                "legacy_key": str(key)[:500],
                "target_id": target_id,
                **_split(fields),
            }
        )

    def record(self, kind: str, key: Any, fields: dict[str, Any]) -> None:
        found = self.link_digests.get((kind, str(key)))
        if found is not None:
            self.pending_fields.append({"id": found[0], **_split(fields)})

    async def follow_row(
        self,
        kind: str,
        report_kind: str,
        row: dict[str, Any],
        name: str,
        source_values: Callable[[], dict[str, Any]],
        load: Callable[[], Awaitable[Any]],
        write: Callable[[Any, follow.Changes], Awaitable[None]],
    ) -> None:
        """A 0.9.7 row brought across earlier: its changes there carried onto the row here (decision 0056)."""
        legacy_id = row["id"]
        link_id, last_digest = self.link_digests.get((kind, str(legacy_id)), (None, None))
        digest = follow.digest(row)
        if last_digest == digest:
            self.count(report_kind, "unchanged")  # the 0.9.7 row is as the last import read it
            return
        recorded: dict[str, Any] | None = None
        if link_id is not None and last_digest is not None:
            recorded = await self.session.scalar(select(LegacyLink.fields).where(LegacyLink.id == link_id))
        now = follow.taken(source_values(), FOLLOWED[kind])
        if recorded is None:
            # Linked before imports recorded what they took: this run records it, and carries nothing.
            self.record(kind, legacy_id, {**now, follow.ROW: digest})
            self.count(report_kind, "unchanged")
            return
        here = await load() if recorded != now else None
        if here is None:
            self.record(kind, legacy_id, {**now, follow.ROW: digest})
            gone = recorded != now
            reason = "deleted here since the last import: not brought back" if gone else None
            self.count(report_kind, "unchanged", legacy_id, name, reason)
            return
        found = follow.changes(recorded, now, _columns(here, now), getattr(here, "locked_fields", None) or ())
        if found.apply:
            await write(here, found)
        self.record(kind, legacy_id, {**now, follow.ROW: digest})
        notes = [f"{f} changed in 0.9.7: updated" for f in sorted(found.apply)]
        notes += [f"{f} changed in 0.9.7, {why}: kept" for f, why in sorted(found.kept.items())]
        entry = self.report.kinds[report_kind]
        for note in notes[1:]:
            entry.reasons[note] = entry.reasons.get(note, 0) + 1
        self.count(report_kind, "updated" if found.apply else "unchanged", legacy_id, name, notes[0] if notes else None)

    async def checkpoint(self) -> None:
        """Writes the links gathered so far; commits unless this is a dry run."""
        if self.pending_links:
            await self.session.execute(insert(LegacyLink), self.pending_links)
            self.pending_links = []
        if self.pending_fields:
            await self.session.execute(update(LegacyLink), self.pending_fields)
            self.pending_fields = []
        await self.session.flush()
        if not self.options.dry_run:
            await self.session.commit()

    async def refused(self, url: str) -> str | None:
        """Why the network policy refuses a URL taken from 0.9.7 (None: allowed), one check per host."""
        parts = urlsplit(url)
        try:
            key = (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
        except ValueError:
            return "the URL's port is not a number"
        if key not in self._refusals:
            try:
                await self.policy.check_url(url)
            except FetchRefused as exc:
                self._refusals[key] = str(exc)
            else:
                self._refusals[key] = None
        return self._refusals[key]

    async def step(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            await self.progress(fraction, message)

    async def insert(self, model: Any, rows: list[dict[str, Any]]) -> Sequence[int]:
        """Inserts rows of `model` (videos, downloads); their new ids, in the order of `rows`."""
        if self.session.get_bind().dialect.name != "sqlite":
            result = await self.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
            return list(result.scalars().all())
        # SQLite: RETURNING in parameter order makes SQLAlchemy insert and splice row by row (quadratic in
        # the batch). This transaction holds SQLite's only write lock, so the new rowids follow the
        # highest one in the order given.
        before = await self.session.scalar(select(func.max(model.id))) or 0
        await self.session.execute(insert(model), rows)
        ids = list((await self.session.execute(select(model.id).where(model.id > before).order_by(model.id))).scalars())
        if len(ids) != len(rows):
            raise RuntimeError(f"inserted {len(rows)} {model.__tablename__} rows but found {len(ids)} new ids")
        return ids

    async def genres(self, model: Any, column: str, rows: Sequence[tuple[int, list[str]]]) -> None:
        if not rows:
            return
        names = {name for _, genres in rows for name in genres}
        ids = await ensure_genres(self.session, names)
        from mvidarr.genres.repository import genre_key

        values: list[dict[str, Any]] = []
        for target, genres in rows:
            keys = {genre_key(g) for g in genres}
            values += [{column: target, "genre_id": ids[k], "source": "legacy"} for k in keys if k in ids]
        taken = (
            set(
                (
                    await self.session.execute(
                        select(getattr(model, column), model.genre_id).where(
                            getattr(model, column).in_({t for t, _ in rows})
                        )
                    )
                ).all()
            )
            if len(rows) < 1000
            else set()
        )
        values = [v for v in values if (v[column], v["genre_id"]) not in taken]
        for start in range(0, len(values), BATCH):
            await self.session.execute(insert(model), values[start : start + BATCH])

    async def update_plain(self, row: Any, found: follow.Changes) -> None:
        """Playlists and monitors: the followed fields are plain columns."""
        for name, value in found.apply.items():
            setattr(row, name, value)
        await self.session.flush()


def _split(fields: dict[str, Any] | None) -> dict[str, Any]:
    """A link's recorded values as its two columns: the followed fields, and the row's digest apart
    (a re-run reads only the digests, and the fields of the rows whose digest changed)."""
    if fields is None:
        return {"fields": None, "row_digest": None}
    rest = dict(fields)
    return {"fields": rest, "row_digest": rest.pop(follow.ROW, None)}


def getter(session: AsyncSession, model: Any, row_id: int) -> Callable[[], Awaitable[Any]]:
    async def get() -> Any:
        return await session.get(model, row_id)

    return get


def _columns(here: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of a row here for the followed fields."""
    return {name: getattr(here, name, None) for name in fields}


def thumbnail(row: dict[str, Any]) -> dict[str, str]:
    """0.9.7's thumbnail URL, kept beside the row's provenance (the image itself is not fetched)."""
    url = shapes.clean_text(row.get("thumbnail_url"), 2048)
    return {"thumbnail_url": url} if url and url.startswith(("http://", "https://")) else {}
