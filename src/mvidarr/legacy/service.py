"""Bringing a MVidarr 0.9.7 library across: what each 0.9.7 row becomes here, and the report.

A dry run does the very same work inside one transaction and rolls it back, so its report is what
the real run will do; the real run commits kind by kind (and videos in batches), each batch with
its `legacy_link` rows, so an interrupted import resumes where it stopped and a second one changes
nothing. Rows already here are matched (by ids, names, files) and only their empty fields filled.
A later run carries 0.9.7's changes to rows it brought across, field by field, unless the field was
changed or locked here since (`legacy.follow`, decision 0056).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import posixpath
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database, utcnow
from mvidarr.discovery.filters import DiscoveryFilters
from mvidarr.downloads.ranking import source_key, youtube_url
from mvidarr.errors import InvalidInput
from mvidarr.genres.repository import ensure as ensure_genres
from mvidarr.kit.sealing import Sealer
from mvidarr.kit.text import fold, identity_key, sort_name
from mvidarr.legacy import follow, shapes
from mvidarr.legacy.paths import PathMap, Placement, Placer
from mvidarr.legacy.schemas import KINDS, Example, FileProblem, KindReport, LegacyReport
from mvidarr.legacy.source import LegacyData, LegacySource, read
from mvidarr.models import (
    Artist,
    ArtistGenre,
    BlocklistEntry,
    Download,
    LegacyLink,
    MediaFile,
    Monitor,
    Playlist,
    PlaylistItem,
    RootFolder,
    Setting,
    User,
    Video,
    VideoGenre,
)
from mvidarr.models.user import Role
from mvidarr.network.policy import FetchRefused, NetworkPolicy
from mvidarr.providers.parsing import youtube_id as parse_youtube_id
from mvidarr.reads import sqlite_file
from mvidarr.settings import service as runtime_settings
from mvidarr.themes.palettes import BY_ID as BUILTIN_THEMES
from mvidarr.themes.schemas import MAX_CUSTOM_THEMES, ThemeDocument, custom_id

T = TypeVar("T")
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

SECRET_SETTINGS = {
    "imvdb_api_key": "providers.imvdb.api_key",
    "youtube_api_key": "providers.youtube.api_key",
    "spotify_client_id": "providers.spotify.client_id",
    "spotify_client_secret": "providers.spotify.client_secret",
    "lastfm_api_key": "providers.lastfm.api_key",
}
DROPPED_SETTINGS: dict[str, str] = {
    "simple_auth_username": "0.9.7's simple-auth sign-in: credentials are never carried",
    "simple_auth_password": "0.9.7's simple-auth sign-in: credentials are never carried",
    "require_authentication": "MVidarr always asks for sign-in",
    "spotify_access_token": "a 0.9.7 sign-in token: not carried",
    "spotify_refresh_token": "a 0.9.7 sign-in token: not carried",
    "spotify_token_expires": "a 0.9.7 sign-in token: not carried",
    "spotify_redirect_uri": "MVidarr uses Spotify's client-credentials flow (no redirect)",
    "lastfm_session_key": "a 0.9.7 sign-in token: not carried",
    "lastfm_api_secret": "MVidarr reads Last.fm with the API key only",
    "music_videos_path": "library folders are root folders here (use a path map)",
    "downloads_path": "library folders are root folders here (use a path map)",
    "thumbnails_path": "artwork lives in the data folder here",
    "metube_host": "0.9.7 downloaded through MeTube; MVidarr runs yt-dlp itself",
    "metube_port": "0.9.7 downloaded through MeTube; MVidarr runs yt-dlp itself",
    "auto_discovery_schedule_enabled": "folded into discovery.interval_hours",
    "auto_discovery_schedule_days": "folded into discovery.interval_hours",
}
PROCESS_PREFIXES = ("app_", "db_", "debug", "log_", "ssl_", "server_", "oauth_")
DISCOVERY_HOURS = {"hourly": 1, "twice_daily": 12, "daily": 24, "weekly": 168}
THEME_COLOURS = {
    "bg": ("--bg-primary",),
    "surface": ("--bg-secondary", "--sidebar-bg"),
    "surface_2": ("--bg-tertiary", "--bg-secondary"),
    "text": ("--text-primary",),
    "muted": ("--text-secondary", "--text-muted"),
    "border": ("--border-primary", "--input-border"),
    "accent": ("--btn-primary-bg", "--text-accent"),
    "accent_text": ("--btn-primary-text", "--text-inverse"),
    "link": ("--text-accent", "--btn-primary-bg"),
    "danger": ("--error", "--error-color"),
    "ok": ("--success",),
    "warn": ("--warning",),
    "focus": ("--input-focus", "--text-accent", "--btn-primary-bg"),
}
VIDEO_STATUS = {
    "WANTED": ("wanted", True, None),
    "DOWNLOADING": ("wanted", True, "DOWNLOADING in 0.9.7 (an unfinished download): wanted again"),
    "DOWNLOADED": ("downloaded", True, None),
    "IGNORED": ("ignored", True, None),
    "FAILED": ("failed", True, None),
    "MONITORED": ("wanted", False, "MONITORED in 0.9.7 (known, not wanted): wanted but not monitored"),
    None: ("wanted", True, "no status in 0.9.7: wanted"),
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
class _VideoPlan:
    legacy: dict[str, Any]
    artist_id: int
    values: dict[str, Any]
    genres: list[str]
    placement: Placement | None
    target_id: int | None = None
    merge_into: _VideoPlan | None = None
    outcome: str = "imported"
    reason: str | None = None


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
    _artists_this_run: set[int] = field(default_factory=set)
    now: datetime = field(default_factory=utcnow)
    _pending_file_links: list[tuple[int, int]] = field(default_factory=list)
    _blocked_now: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.report = LegacyReport(
            source=self.options.source_label,
            server_version=self.data.server_version,
            dry_run=self.options.dry_run,
            kinds={k: KindReport(maps_to=MAPS_TO[k]) for k in KINDS},
            missing_tables=self.data.missing,
        )

    # -- bookkeeping -------------------------------------------------------------------------

    def _count(self, kind: str, outcome: str, legacy_id: Any = None, name: str = "", reason: str | None = None) -> None:
        entry = self.report.kinds[kind]
        entry.total += 1
        setattr(entry, outcome, getattr(entry, outcome) + 1)
        if reason:
            entry.reasons[reason] = entry.reasons.get(reason, 0) + 1
            if len(entry.examples) < MAX_EXAMPLES:
                entry.examples.append(Example(legacy_id=str(legacy_id), name=name[:200], detail=reason))

    def _linked(self, kind: str, key: Any) -> tuple[bool, int | None]:
        found = (kind, str(key))
        return (found in self.links, self.links.get(found))

    def _link(self, kind: str, key: Any, target_id: int | None, fields: dict[str, Any] | None = None) -> None:
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

    def _record(self, kind: str, key: Any, fields: dict[str, Any]) -> None:
        found = self.link_digests.get((kind, str(key)))
        if found is not None:
            self.pending_fields.append({"id": found[0], **_split(fields)})

    async def _follow(
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
            self._count(report_kind, "unchanged")  # the 0.9.7 row is as the last import read it
            return
        recorded: dict[str, Any] | None = None
        if link_id is not None and last_digest is not None:
            recorded = await self.session.scalar(select(LegacyLink.fields).where(LegacyLink.id == link_id))
        now = follow.taken(source_values(), FOLLOWED[kind])
        if recorded is None:
            # Linked before imports recorded what they took: this run records it, and carries nothing.
            self._record(kind, legacy_id, {**now, follow.ROW: digest})
            self._count(report_kind, "unchanged")
            return
        here = await load() if recorded != now else None
        if here is None:
            self._record(kind, legacy_id, {**now, follow.ROW: digest})
            gone = recorded != now
            reason = "deleted here since the last import: not brought back" if gone else None
            self._count(report_kind, "unchanged", legacy_id, name, reason)
            return
        found = follow.changes(recorded, now, _columns(here, now), getattr(here, "locked_fields", None) or ())
        if found.apply:
            await write(here, found)
        self._record(kind, legacy_id, {**now, follow.ROW: digest})
        notes = [f"{f} changed in 0.9.7: updated" for f in sorted(found.apply)]
        notes += [f"{f} changed in 0.9.7, {why}: kept" for f, why in sorted(found.kept.items())]
        entry = self.report.kinds[report_kind]
        for note in notes[1:]:
            entry.reasons[note] = entry.reasons.get(note, 0) + 1
        self._count(
            report_kind, "updated" if found.apply else "unchanged", legacy_id, name, notes[0] if notes else None
        )

    async def _checkpoint(self) -> None:
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

    async def _refused(self, url: str) -> str | None:
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

    async def _guard_sources(self, values: dict[str, Any]) -> None:
        """Drops the sources of a video whose URL the network policy refuses, counting why."""
        kept = []
        for source in values["sources"]:
            if await self._refused(source["url"]) is None:
                kept.append(source)
            else:
                reasons = self.report.kinds["videos"].reasons
                note = "a source URL refused by the network policy: not kept"
                reasons[note] = reasons.get(note, 0) + 1
        values["sources"] = kept

    async def _step(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            await self.progress(fraction, message)

    # -- the run -----------------------------------------------------------------------------

    async def run(self) -> LegacyReport:
        started = time.perf_counter()
        rows = await self.session.execute(
            select(
                LegacyLink.id, LegacyLink.kind, LegacyLink.legacy_key, LegacyLink.target_id, LegacyLink.row_digest
            ).where(LegacyLink.source == self.options.source_label)
        )
        for link_id, kind, key, target, digest in rows.all():
            self.links[(kind, key)] = target
            if kind in FOLLOWED:
                self.link_digests[(kind, key)] = (link_id, digest)
        if not self.options.dry_run:
            # A writer's transaction holds SQLite's write lock from its first statement: it ends here, so the
            # progress below (written by the job in a session of its own) does not wait for this one.
            await self.session.commit()
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("settings", self._settings),
            ("users", self._users),
            ("themes", self._themes),
            ("artists", self._artists),
            ("videos and files", self._videos),
            ("download history", self._downloads),
            ("playlists", self._playlists),
            ("blocklist", self._blocklist),
            ("monitors", self._monitors),
        ]
        for index, (label, step) in enumerate(steps):
            await self._step(0.05 + 0.9 * index / len(steps), f"{label}")
            await step()
            await self._checkpoint()
        if self.options.dry_run:
            await self.session.rollback()
        self.report.root_folders_to_scan = sorted(self.scan_roots)
        self.report.thumbnails_to_fetch = self.thumbnails
        self.report.elapsed_s = round(time.perf_counter() - started, 2)
        await self._step(1.0, "done")
        return self.report

    # -- settings ----------------------------------------------------------------------------

    async def _settings(self) -> None:
        legacy = {str(r["key"]): r.get("value") for r in self.data.rows("settings")}
        set_here = set((await self.session.execute(select(Setting.key))).scalars())
        wanted: dict[str, tuple[str, Any]] = {}
        for key, raw in sorted(legacy.items()):
            value = raw.strip() if isinstance(raw, str) else raw
            done, _ = self._linked("setting", key)
            if done:
                self._count("settings", "unchanged")
                continue
            reason = self._setting_dropped(key, value)
            if reason is not None:
                self._count("settings", "skipped", key, key, reason)
                self._link("setting", key, None)
                continue
            target, converted = self._setting_target(key, str(value), legacy)
            if target is None:
                self._count("settings", "skipped", key, key, "no equivalent setting here")
            elif target in set_here or target in {t for t, _ in wanted.values()}:
                self._count("settings", "skipped", key, key, "already set here: kept")
            else:
                try:
                    runtime_settings.validate_changes({target: converted})
                except InvalidInput:
                    self._count("settings", "skipped", key, key, "value not accepted here")
                else:
                    wanted[key] = (target, converted)
                    self._count("settings", "imported", key, key, f"to {target}")
            self._link("setting", key, None)
        if wanted:
            await runtime_settings.update_settings(self.session, dict(wanted.values()), sealer=self.sealer, actor=None)

    @staticmethod
    def _setting_dropped(key: str, value: Any) -> str | None:
        if key in DROPPED_SETTINGS:
            return DROPPED_SETTINGS[key]
        if key.startswith(PROCESS_PREFIXES):
            return "a process setting here (MVIDARR_* environment variables)"
        if value is None or value == "":
            return "empty in 0.9.7"
        return None

    @staticmethod
    def _setting_target(key: str, value: str, legacy: dict[str, Any]) -> tuple[str | None, Any]:
        if key in SECRET_SETTINGS:
            return SECRET_SETTINGS[key], value
        if key == "max_concurrent_downloads":
            return "downloads.max_concurrent", shapes.setting_int(value)
        if key == "auto_download_max_videos":
            enabled = shapes.setting_flag(legacy.get("auto_download_schedule_enabled"))
            limit = shapes.setting_int(value)
            return "downloads.auto_download_limit", 0 if enabled is False else limit
        if key == "download_subtitles":
            return "downloads.subtitles", shapes.setting_flag(value)
        if key == "subtitle_languages":
            return "downloads.subtitle_languages", shapes.text_list(value, limit=20, max_length=20)
        if key == "auto_discovery_schedule_time":
            enabled = shapes.setting_flag(legacy.get("auto_discovery_schedule_enabled"))
            days = str(legacy.get("auto_discovery_schedule_days") or "daily").strip().lower()
            return "discovery.interval_hours", 0 if enabled is False else DISCOVERY_HOURS.get(days, 24)
        if key == "ui_theme":
            return ("ui.default_theme", value) if value in BUILTIN_THEMES else (None, None)
        return None, None

    # -- users and themes --------------------------------------------------------------------

    async def _users(self) -> None:
        pattern = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{1,63}")
        for row in self.data.rows("users"):
            legacy_id = row["id"]
            username = str(row.get("username") or "").strip()
            done, _ = self._linked("user", legacy_id)
            if done:
                self._count("users", "unchanged")
                continue
            if not pattern.fullmatch(username) or len(username) > 64:
                self._count("users", "skipped", legacy_id, username, "username not valid here")
                self._link("user", legacy_id, None)
                continue
            key = fold(username)
            existing = await self.session.scalar(select(User.id).where(User.username_key == key))
            if existing is not None:
                self._count("users", "linked", legacy_id, username, "a user of this name exists here: kept as it is")
                self._link("user", legacy_id, existing)
                continue
            role = str(row.get("role") or "USER").lower()
            role = role if role in {r.value for r in Role} else Role.READONLY.value
            # Nobody knows this password: the account cannot sign in until an admin resets it.
            unusable = await self.hash_password(secrets.token_urlsafe(32))
            user = User(
                username=username,
                username_key=key,
                email=shapes.clean_text(row.get("email"), 320),
                password_hash=unusable,
                role=role,
                active=shapes.flag(row.get("is_active"), True),
                must_change_password=True,
            )
            self.session.add(user)
            await self.session.flush()
            reason = (
                "2FA was on in 0.9.7: reset, to be set up again"
                if shapes.flag(row.get("two_factor_enabled"), False)
                else None
            )
            self._count("users", "imported", legacy_id, username, reason)
            self.report.users_to_set_password.append(username)
            self._link("user", legacy_id, user.id)

    async def _themes(self) -> None:
        for row in self.data.rows("custom_themes"):
            legacy_id, name = row["id"], str(row.get("display_name") or row.get("name") or "")
            done, _ = self._linked("theme", legacy_id)
            if done:
                self._count("themes", "unchanged")
                continue
            reason = await self._theme(row, name)
            if reason is None:
                self._count("themes", "imported", legacy_id, name)
            elif reason.startswith("linked:"):
                self._count("themes", "linked", legacy_id, name, reason.removeprefix("linked:"))
            else:
                self._count("themes", "skipped", legacy_id, name, reason)
            self._link("theme", legacy_id, None)

    async def _theme(self, row: dict[str, Any], name: str) -> str | None:
        if shapes.flag(row.get("is_built_in"), False):
            return "one of 0.9.7's built-in themes"
        _, owner = self._linked("user", row.get("created_by"))
        if owner is None:
            return "its creator is not a user here"
        variables = shapes.json_object(row.get("theme_data")) or {}
        colours: dict[str, str] = {}
        for ours, theirs in THEME_COLOURS.items():
            value = next((str(variables[v]).strip() for v in theirs if variables.get(v)), None)
            if value is None:
                return f"no colour for {ours}"
            colours[ours] = value
        try:
            doc = ThemeDocument.model_validate(
                {"name": name[:40] or "0.9.7 theme", "base": _base(colours["bg"]), "colors": colours}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            return f"colours not usable here ({first['msg'][:80]})"
        user = await self.session.get(User, owner)
        if user is None:
            return "its creator is not a user here"
        preferences = dict(user.preferences or {})
        themes = list(preferences.get("custom_themes") or [])
        if any(custom_id(str(t.get("name", ""))) == custom_id(doc.name) for t in themes if isinstance(t, dict)):
            return "linked:its creator has a theme of this name: kept"
        if len(themes) >= MAX_CUSTOM_THEMES:
            return f"its creator has {MAX_CUSTOM_THEMES} custom themes already"
        preferences["custom_themes"] = [*themes, doc.model_dump(mode="json")]
        user.preferences = preferences
        await self.session.flush()
        return None

    # -- artists -----------------------------------------------------------------------------

    async def _artists(self) -> None:
        by_imvdb = dict(
            (await self.session.execute(select(Artist.imvdb_id, Artist.id).where(Artist.imvdb_id.is_not(None)))).all()
        )
        by_key = dict(
            (
                await self.session.execute(select(Artist.name_key, Artist.id).where(Artist.disambiguation_key == ""))
            ).all()
        )
        genre_rows: list[tuple[int, list[str]]] = []
        for row in self.data.rows("artists"):
            legacy_id = row["id"]
            name = " ".join(str(row.get("name") or "").split())[:255]
            done, here_id = self._linked("artist", legacy_id)
            if done and here_id is not None and name:
                await self._follow(
                    "artist",
                    "artists",
                    row,
                    name,
                    functools.partial(_artist_source, row, name),
                    _getter(self.session, Artist, here_id),
                    self._update_artist,
                )
                continue
            if done:
                self._count("artists", "unchanged")
                continue
            if not name:
                self._count("artists", "skipped", legacy_id, "", "no name")
                self._link("artist", legacy_id, None)
                continue
            source_values = follow.recorded(row, _artist_source(row, name), FOLLOWED["artist"])
            imvdb_id = shapes.legacy_int(row.get("imvdb_id"))
            raw_imvdb = shapes.clean_text(row.get("imvdb_id"), 255)
            key = identity_key(name)
            target = by_imvdb.get(imvdb_id) if imvdb_id else None
            target = target or by_key.get(key)
            if target is not None:
                merged = target in self._artists_this_run
                outcome = "merged" if merged else "linked"
                reason = "same artist as another 0.9.7 row" if merged else "an artist of this name or IMVDb id is here"
                await self._fill_artist(target, row, imvdb_id)
                self._count("artists", outcome, legacy_id, name, reason)
                self._link("artist", legacy_id, target, source_values)
                self._artists_this_run.add(target)
                continue
            keywords = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
            folder = shapes.clean_text(row.get("folder_path"), 500)
            artist = Artist(
                name=name,
                sort_name=sort_name(name),
                sort_key=fold(sort_name(name))[:255],
                disambiguation="",
                name_key=key,
                disambiguation_key="",
                search_text=fold(f"{name} {sort_name(name)}")[:600],
                imvdb_id=imvdb_id,
                imvdb_slug=None if imvdb_id or raw_imvdb is None else raw_imvdb,
                spotify_id=shapes.clean_text(row.get("spotify_id"), 64),
                monitored=shapes.flag(row.get("monitored"), True),
                auto_download=shapes.flag(row.get("auto_download"), False),
                include_words=keywords,
                exclude_words=[],
                folder_name=posixpath.basename(folder.rstrip("/"))[:255] if folder else None,
                locked_fields=[],
                field_provenance={"legacy": {"provider": "MVidarr 0.9.7", "legacy_id": legacy_id, **_thumbnail(row)}},
            )
            self.session.add(artist)
            await self.session.flush()
            reasons = []
            if raw_imvdb and not imvdb_id:
                reasons.append("IMVDb id was not a number: kept as the IMVDb slug")
            if _thumbnail(row):
                self.thumbnails += 1
            self._count("artists", "imported", legacy_id, name, "; ".join(reasons) or None)
            self._link("artist", legacy_id, artist.id, source_values)
            self._artists_this_run.add(artist.id)
            by_key[key] = artist.id
            if imvdb_id:
                by_imvdb[imvdb_id] = artist.id
            genres = shapes.text_list(row.get("genres"), limit=20, max_length=100)
            if genres:
                genre_rows.append((artist.id, genres))
        await self._genres(ArtistGenre, "artist_id", genre_rows)

    async def _update_artist(self, artist: Artist, found: follow.Changes) -> None:
        apply = found.apply
        if "name" in apply:
            name = str(apply.pop("name"))
            key = identity_key(name)
            clash = await self.session.scalar(
                select(Artist.id).where(Artist.name_key == key, Artist.disambiguation_key == "", Artist.id != artist.id)
            )
            if clash is not None:
                found.kept["name"] = "another artist here has that name"
            else:
                artist.name, artist.sort_name, artist.name_key = name, sort_name(name), key
                artist.sort_key = fold(sort_name(name))[:255]
                artist.search_text = fold(f"{name} {sort_name(name)}")[:600]
                found.apply["name"] = name
        if apply.get("imvdb_id") is not None:
            clash = await self.session.scalar(
                select(Artist.id).where(Artist.imvdb_id == apply["imvdb_id"], Artist.id != artist.id)
            )
            if clash is not None:
                del apply["imvdb_id"]
                found.kept["imvdb_id"] = "another artist here has that IMVDb id"
        for name, value in apply.items():
            if name != "name":
                setattr(artist, name, value)
        await self.session.flush()

    async def _fill_artist(self, artist_id: int, row: dict[str, Any], imvdb_id: int | None) -> None:
        artist = await self.session.get(Artist, artist_id)
        if artist is None:
            return
        if artist.imvdb_id is None and imvdb_id is not None:
            clash = await self.session.scalar(select(Artist.id).where(Artist.imvdb_id == imvdb_id))
            if clash is None:
                artist.imvdb_id = imvdb_id
        if not artist.spotify_id:
            artist.spotify_id = shapes.clean_text(row.get("spotify_id"), 64)
        if not artist.include_words:
            artist.include_words = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
        await self.session.flush()

    async def _genres(self, model: Any, column: str, rows: Sequence[tuple[int, list[str]]]) -> None:
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

    # -- videos and files --------------------------------------------------------------------

    async def _videos(self) -> None:
        rows = self.data.rows("videos")
        paths = [str(r["local_path"]) if r.get("local_path") else None for r in rows]
        placer = self.options.placer
        placements: list[Placement | None] = await self.to_thread(
            lambda: [placer.place(p) if p else None for p in paths]
        )
        existing = (
            await self.session.execute(
                select(Video.id, Video.artist_id, Video.sort_key, Video.imvdb_id, Video.youtube_id)
            )
        ).all()
        # Targets: an id here, or the plan of a video this run creates (two 0.9.7 rows, one video).
        by_imvdb: dict[int, int | _VideoPlan] = {r.imvdb_id: r.id for r in existing if r.imvdb_id is not None}
        by_youtube: dict[str, int | _VideoPlan] = {r.youtube_id: r.id for r in existing if r.youtube_id}
        # By title only videos here without ids (a scan made them from file names).
        by_title = {(r.artist_id, r.sort_key): r.id for r in existing if r.imvdb_id is None and not r.youtube_id}
        files = {
            (r.root_folder_id, r.relative_path): (r.id, r.video_id)
            for r in (
                await self.session.execute(
                    select(MediaFile.root_folder_id, MediaFile.relative_path, MediaFile.id, MediaFile.video_id)
                )
            ).all()
        }
        plans: list[_VideoPlan] = []
        claimed: set[int] = set()
        for row, placement in zip(rows, placements, strict=True):
            legacy_id = row["id"]
            title = " ".join(str(row.get("title") or "").split())[:500]
            done, here_id = self._linked("video", legacy_id)
            if done:
                if row.get("local_path"):
                    self._count("files", "unchanged")
                if here_id is None or not title:
                    self._count("videos", "unchanged")
                    continue
                await self._follow(
                    "video",
                    "videos",
                    row,
                    title,
                    functools.partial(self._video_values, row, title, placement),
                    _getter(self.session, Video, here_id),
                    self._update_video,
                )
                continue
            _, artist_id = self._linked("artist", row.get("artist_id"))
            if artist_id is None:
                reason = (
                    "its 0.9.7 artist does not exist"
                    if not self._linked("artist", row.get("artist_id"))[0]
                    else ("its artist was not brought across")
                )
                self._count("videos", "skipped", legacy_id, title, reason)
                if row.get("local_path"):
                    self._count("files", "skipped", legacy_id, title, "its video was not brought across")
                self._link("video", legacy_id, None)
                continue
            if not title:
                self._count("videos", "skipped", legacy_id, "", "no title")
                if row.get("local_path"):
                    self._count("files", "skipped", legacy_id, "", "its video was not brought across")
                self._link("video", legacy_id, None)
                continue
            plan = self._video_plan(row, title, artist_id, placement)
            values = plan.values
            await self._guard_sources(values)
            found_file = placement is not None and placement.exists and placement.root_id is not None
            target: int | _VideoPlan | None = None
            if found_file and placement is not None:
                known = files.get((placement.root_id or 0, placement.relative or ""))
                if known is not None and known[1] is not None:
                    target = known[1]
            if target is None and values["imvdb_id"]:
                target = by_imvdb.get(values["imvdb_id"])
            if target is None and values["youtube_id"]:
                target = by_youtube.get(values["youtube_id"])
            if target is None:
                target = by_title.pop((artist_id, values["sort_key"]), None)
            if isinstance(target, _VideoPlan):
                plan.merge_into, plan.outcome, plan.reason = target, "merged", "same video as another 0.9.7 row"
            elif target is not None:
                plan.target_id = target
                plan.outcome = "merged" if target in claimed else "linked"
                plan.reason = "same video as another 0.9.7 row" if target in claimed else "this video is here already"
                claimed.add(target)
            else:
                if values["imvdb_id"]:
                    by_imvdb[values["imvdb_id"]] = plan
                if values["youtube_id"]:
                    by_youtube[values["youtube_id"]] = plan
            plans.append(plan)
        await self._write_videos(plans, files)

    def _video_values(self, row: dict[str, Any], title: str, placement: Placement | None) -> dict[str, Any]:
        return self._video_plan(row, title, 0, placement).values

    def _video_plan(self, row: dict[str, Any], title: str, artist_id: int, placement: Placement | None) -> _VideoPlan:
        status_raw = row.get("status")
        status, monitored, status_note = VIDEO_STATUS.get(status_raw, VIDEO_STATUS[None])
        has_file = placement is not None and placement.exists and placement.root_id is not None
        if status == "downloaded" and not has_file:
            status = "missing"
        elif has_file and status != "downloaded":
            status_note = f"{status_raw or 'no status'} in 0.9.7 but its file is here: downloaded"
            status = "downloaded"
        metadata = shapes.json_object(row.get("video_metadata")) or {}
        imvdb_meta = shapes.json_object(row.get("imvdb_metadata")) or {}
        youtube = shapes.clean_text(row.get("youtube_id"), 32)
        youtube = parse_youtube_id(youtube) if youtube else None
        for url_column in ("youtube_url", "url"):
            youtube = youtube or parse_youtube_id(shapes.clean_text(row.get(url_column), 500))
        sources: list[dict[str, str]] = []
        if youtube:
            sources.append({"url": youtube_url(youtube), "kind": "youtube"})
        other = shapes.clean_text(row.get("url"), 2048)
        if other and other.startswith(("http://", "https://")) and not parse_youtube_id(other):
            sources.append({"url": other, "kind": "vimeo" if "vimeo.com" in other else "other"})
        album = shapes.clean_text(metadata.get("album") or imvdb_meta.get("album"), 500)
        label = shapes.clean_text(metadata.get("label") or metadata.get("record_label"), 255)
        year = shapes.year(row.get("year")) or shapes.year(imvdb_meta.get("year"))
        release = shapes.day(row.get("release_date"))
        description = shapes.clean_text(row.get("description"), 20000)
        values: dict[str, Any] = {
            "artist_id": artist_id,
            "title": title,
            "sort_title": sort_name(title),
            "sort_key": fold(sort_name(title))[:500],
            "version": "",
            "kind": "official",
            "status": status,
            "monitored": monitored,
            "year": year,
            "release_date": release,
            "duration_s": float(row["duration"]) if shapes.count(row.get("duration")) else None,
            "album": album,
            "label": label,
            "description": description,
            "featured_artists": [],
            "directors": shapes.text_list(row.get("directors"), limit=20),
            "producers": shapes.text_list(row.get("producers"), limit=20),
            "imvdb_id": shapes.legacy_int(row.get("imvdb_id")),
            "youtube_id": youtube,
            "sources": sources,
            "view_count": shapes.count(row.get("view_count")),
            "like_count": shapes.count(row.get("like_count")),
            "locked_fields": [],
            # 0.9.7's metadata JSON kept whole; shown on the video page as provided by MVidarr 0.9.7.
            "field_provenance": {
                "legacy": {
                    "provider": "MVidarr 0.9.7",
                    "legacy_id": row["id"],
                    **({"metadata": metadata} if metadata else {}),
                    **_thumbnail(row),
                }
            },
            "search_text": fold(" ".join(w for w in (title, album or "") if w))[:1500],
            "discovered_at": shapes.utc(row.get("discovered_date")),
        }
        return _VideoPlan(
            legacy=row,
            artist_id=artist_id,
            values=values,
            genres=shapes.text_list(row.get("genres"), limit=20, max_length=100),
            placement=placement,
            reason=status_note,
        )

    async def _write_videos(
        self, plans: list[_VideoPlan], files: dict[tuple[int, str], tuple[int, int | None]]
    ) -> None:
        total = max(1, len(plans))
        for start in range(0, len(plans), BATCH):
            batch = plans[start : start + BATCH]
            new = [p for p in batch if p.target_id is None and p.merge_into is None]
            if new:
                for plan, new_id in zip(new, await self._insert(Video, [p.values for p in new]), strict=True):
                    plan.target_id = new_id
            for plan in batch:
                if plan.merge_into is not None:
                    plan.target_id = plan.merge_into.target_id
                if plan.outcome != "imported":
                    await self._fill_video(plan)
            tagged = [(p.target_id, p.genres) for p in batch if p.genres and p.outcome == "imported" and p.target_id]
            await self._genres(VideoGenre, "video_id", tagged)
            media_rows: list[dict[str, Any]] = []
            for plan in batch:
                legacy_id, title = plan.legacy["id"], plan.values["title"]
                self._count("videos", plan.outcome, legacy_id, title, plan.reason)
                self._link(
                    "video", legacy_id, plan.target_id, follow.recorded(plan.legacy, plan.values, FOLLOWED["video"])
                )
                if plan.outcome == "imported" and plan.values["field_provenance"]["legacy"].get("thumbnail_url"):
                    self.thumbnails += 1
                if plan.placement is not None:
                    media_rows += self._file(plan, files)
            if media_rows:
                await self.session.execute(insert(MediaFile), media_rows)
            await self._link_known_files()
            await self._checkpoint()
            await self._step(
                0.45 + 0.1 * min(1.0, (start + len(batch)) / total), f"videos {start + len(batch)}/{total}"
            )

    async def _insert(self, model: Any, rows: list[dict[str, Any]]) -> Sequence[int]:
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

    def _file(self, plan: _VideoPlan, files: dict[tuple[int, str], tuple[int, int | None]]) -> list[dict[str, Any]]:
        placement = plan.placement
        assert placement is not None
        assert plan.target_id is not None
        legacy_id, title = plan.legacy["id"], plan.values["title"]
        legacy_path = str(plan.legacy.get("local_path"))
        if not placement.exists or placement.root_id is None or placement.relative is None:
            problem = placement.problem or "no file at this path"
            self._count("files", "skipped", legacy_id, title, problem)
            self.report.files_not_found_total += 1
            if len(self.report.files_not_found) < MAX_FILE_PROBLEMS:
                self.report.files_not_found.append(
                    FileProblem(
                        video_legacy_id=int(legacy_id),
                        title=title,
                        legacy_path=legacy_path,
                        looked_at=placement.absolute,
                        problem=problem,
                    )
                )
            return []
        renamed = "found under the name 0.9.7's cleaner gave it" if placement.renamed_from else None
        if placement.renamed_from:
            self.report.files_renamed += 1
        known = files.get((placement.root_id, placement.relative))
        self.scan_roots.add(placement.root_id)
        if known is not None:
            # Already here (a scan found it): linked; a file that had no video gets this one.
            if known[1] is None:
                self._pending_file_links.append((known[0], plan.target_id))
            self._count("files", "linked", legacy_id, title, renamed or "the file is known here already")
            return []
        files[(placement.root_id, placement.relative)] = (0, plan.target_id)
        self._count("files", "imported", legacy_id, title, renamed)
        return [
            {
                "video_id": plan.target_id,
                "root_folder_id": placement.root_id,
                "relative_path": placement.relative,
                "is_current": plan.outcome == "imported",
                "size": placement.size,
                # No modification time: the next scan sees the file as changed and probes it.
                "mtime": 0.0,
                "match_source": "legacy",
            }
        ]

    async def _link_known_files(self) -> None:
        """Files a scan found before the import, without a video: they get the imported one."""
        for media_id, video_id in self._pending_file_links:
            await self.session.execute(
                update(MediaFile)
                .where(MediaFile.id == media_id, MediaFile.video_id.is_(None))
                .values(video_id=video_id)
            )
        self._pending_file_links = []

    async def _update_plain(self, row: Any, found: follow.Changes) -> None:
        """Playlists and monitors: the followed fields are plain columns."""
        for name, value in found.apply.items():
            setattr(row, name, value)
        await self.session.flush()

    async def _update_video(self, video: Video, found: follow.Changes) -> None:
        apply = found.apply
        for column in ("imvdb_id", "youtube_id"):
            if apply.get(column) is not None:
                clash = await self.session.scalar(
                    select(Video.id).where(getattr(Video, column) == apply[column], Video.id != video.id)
                )
                if clash is not None:
                    del apply[column]
                    found.kept[column] = "another video here has it"
        for name, value in apply.items():
            # The value as the model takes it (a date, not its ISO text).
            setattr(video, name, date.fromisoformat(value) if name == "release_date" and value else value)
        if "title" in apply:
            video.sort_title = sort_name(video.title)
            video.sort_key = fold(video.sort_title)[:500]
        if "title" in apply or "album" in apply:
            video.search_text = fold(" ".join(w for w in (video.title, video.album or "") if w))[:1500]
        await self.session.flush()

    async def _fill_video(self, plan: _VideoPlan) -> None:
        video = await self.session.get(Video, plan.target_id)
        if video is None:
            return
        for column in ("year", "album", "label", "description", "view_count", "like_count", "release_date"):
            if getattr(video, column) in (None, "") and plan.values[column] not in (None, ""):
                setattr(video, column, plan.values[column])
        if video.imvdb_id is None and plan.values["imvdb_id"] is not None:
            clash = await self.session.scalar(select(Video.id).where(Video.imvdb_id == plan.values["imvdb_id"]))
            if clash is None:
                video.imvdb_id = plan.values["imvdb_id"]
        if not video.youtube_id and plan.values["youtube_id"]:
            video.youtube_id = plan.values["youtube_id"]
        if not video.directors and plan.values["directors"]:
            video.directors = plan.values["directors"]
        if not video.producers and plan.values["producers"]:
            video.producers = plan.values["producers"]
        known = {s.get("url") for s in video.sources if isinstance(s, dict)}
        extra = [s for s in plan.values["sources"] if s["url"] not in known]
        if extra:
            video.sources = [*video.sources, *extra]
        await self.session.flush()

    # -- downloads, playlists, blocklist, monitors ------------------------------------------

    async def _downloads(self) -> None:
        for start in range(0, len(self.data.rows("downloads")), BATCH):
            values: list[dict[str, Any]] = []
            keys: list[Any] = []
            for row in self.data.rows("downloads")[start : start + BATCH]:
                legacy_id, title = row["id"], str(row.get("title") or "")
                done, _ = self._linked("download", legacy_id)
                if done:
                    self._count("downloads", "unchanged")
                    continue
                status = str(row.get("status") or "pending").strip().lower()
                outcome = {"completed": "succeeded", "failed": "failed"}.get(status)
                if outcome is None:
                    self._count(
                        "downloads", "skipped", legacy_id, title, f"{status} in 0.9.7, never finished: not history"
                    )
                    self._link("download", legacy_id, None)
                    continue
                _known_video, video_id = self._linked("video", row.get("video_id"))
                known_artist, _ = self._linked("artist", row.get("artist_id"))
                if video_id is None and not known_artist:
                    self._count("downloads", "skipped", legacy_id, title, "its 0.9.7 artist does not exist")
                    self._link("download", legacy_id, None)
                    continue
                when = shapes.utc(row.get("download_date") or row.get("created_at") or row.get("updated_at"))
                values.append(
                    {
                        "video_id": video_id,
                        "status": outcome,
                        "phase": "done",
                        "source_url": shapes.clean_text(row.get("original_url"), 2048),
                        "source_title": shapes.clean_text(title, 500),
                        "reason": shapes.clean_text(row.get("error_message"), 5000),
                        "quality_label": shapes.clean_text(row.get("quality"), 8),
                        "size": shapes.count(row.get("file_size")),
                        "candidates": [],
                        "failures": [],
                        # Every row has the same keys (one executemany); no date in 0.9.7: the import's.
                        "started_at": when or self.now,
                        "finished_at": when or self.now,
                    }
                )
                keys.append(legacy_id)
                reason = None if video_id is not None or not row.get("video_id") else "its video is not here"
                self._count("downloads", "imported", legacy_id, title, reason)
            if values:
                for key, new_id in zip(keys, await self._insert(Download, values), strict=True):
                    self._link("download", key, new_id)

    async def _playlists(self) -> None:
        entries: dict[Any, list[dict[str, Any]]] = {}
        for entry in self.data.rows("playlist_entries"):
            entries.setdefault(entry.get("playlist_id"), []).append(entry)
        known_playlists = {row["id"] for row in self.data.rows("playlists")}
        for playlist_id, orphans in entries.items():
            if playlist_id not in known_playlists:
                for entry in orphans:
                    if not self._linked("playlist_entry", entry["id"])[0]:
                        self._count("playlist_entries", "skipped", entry["id"], "", "its 0.9.7 playlist does not exist")
                        self._link("playlist_entry", entry["id"], None)
                    else:
                        self._count("playlist_entries", "unchanged")
        for row in self.data.rows("playlists"):
            legacy_id, name = row["id"], " ".join(str(row.get("name") or "").split())[:255]
            done, target = self._linked("playlist", legacy_id)
            source_values = {
                "name": name,
                "description": shapes.clean_text(row.get("description"), 5000),
                "public": shapes.flag(row.get("is_public"), False),
            }
            if done and target is not None and name:
                await self._follow(
                    "playlist",
                    "playlists",
                    row,
                    name,
                    functools.partial(dict, source_values),
                    _getter(self.session, Playlist, target),
                    self._update_plain,
                )
            elif done:
                self._count("playlists", "unchanged")
            else:
                _, owner = self._linked("user", row.get("user_id"))
                if owner is None or not name:
                    reason = "its owner is not a user here" if name else "no name"
                    self._count("playlists", "skipped", legacy_id, name, reason)
                    self._link("playlist", legacy_id, None)
                else:
                    playlist = Playlist(owner_id=owner, rule=None, **source_values)
                    self.session.add(playlist)
                    await self.session.flush()
                    target = playlist.id
                    self._count("playlists", "imported", legacy_id, name)
                    self._link("playlist", legacy_id, target, follow.recorded(row, source_values, FOLLOWED["playlist"]))
            await self._playlist_entries(target, entries.get(legacy_id, []))

    async def _playlist_entries(self, playlist_id: int | None, entries: list[dict[str, Any]]) -> None:
        # The order 0.9.7 showed: by position as the browser sent it (gaps, repeats), then by id.
        ordered = sorted(entries, key=lambda e: (shapes.legacy_int(e.get("position")) or 0, e["id"]))
        legacy_videos = {row["id"] for row in self.data.rows("videos")}
        present: set[int] = set()
        next_position = 0
        if playlist_id is not None:
            items = (
                await self.session.execute(
                    select(PlaylistItem.video_id, PlaylistItem.position).where(PlaylistItem.playlist_id == playlist_id)
                )
            ).all()
            present = {video for video, _ in items}
            next_position = max((position for _, position in items), default=-1) + 1
        rows: list[dict[str, Any]] = []
        for entry in ordered:
            legacy_id = entry["id"]
            if self._linked("playlist_entry", legacy_id)[0]:
                self._count("playlist_entries", "unchanged")
                continue
            _, video_id = self._linked("video", entry.get("video_id"))
            if playlist_id is None:
                reason = "its playlist was not brought across"
            elif entry.get("video_id") not in legacy_videos:
                reason = "its video does not exist in 0.9.7"
            elif video_id is None:
                reason = "its video was not brought across"
            else:
                reason = None
            if reason is not None:
                self._count("playlist_entries", "skipped", legacy_id, "", reason)
                self._link("playlist_entry", legacy_id, None)
                continue
            assert video_id is not None
            assert playlist_id is not None
            if video_id in present:
                self._count("playlist_entries", "merged", legacy_id, "", "the video is in this playlist already")
                self._link("playlist_entry", legacy_id, None)
                continue
            present.add(video_id)
            rows.append(
                {
                    "playlist_id": playlist_id,
                    "video_id": video_id,
                    "position": next_position,
                    "note": shapes.clean_text(entry.get("notes"), 1000),
                    "added_at": shapes.utc(entry.get("added_at")) or self.now,
                }
            )
            next_position += 1
            self._count("playlist_entries", "imported", legacy_id)
            self._link("playlist_entry", legacy_id, None)
        if rows:
            await self.session.execute(insert(PlaylistItem), rows)
            await self.session.execute(update(Playlist).where(Playlist.id == playlist_id).values(updated_at=utcnow()))

    async def _blocklist(self) -> None:
        keys_here = dict(
            (
                await self.session.execute(
                    select(BlocklistEntry.source_key, BlocklistEntry.id).where(BlocklistEntry.video_id.is_(None))
                )
            ).all()
        )
        for row in self.data.rows("video_blacklist"):
            raw = str(row.get("youtube_url") or "").strip()
            if self._linked("blocklist", raw)[0]:
                self._count("blocklist", "unchanged")
                continue
            url = blocked_url(raw)
            if url is None:
                self._count("blocklist", "skipped", raw, raw, "not a video URL or YouTube id")
                self._link("blocklist", raw, None)
                continue
            key = source_key(url)
            if key in keys_here:
                merged = keys_here[key] in self._blocked_now
                reason = "the same video as another 0.9.7 entry" if merged else "blocklisted here already"
                self._count("blocklist", "merged" if merged else "linked", raw, raw, reason)
                self._link("blocklist", raw, keys_here[key])
                continue
            _, by = self._linked("user", row.get("blacklisted_by"))
            entry = BlocklistEntry(
                video_id=None,
                source_key=key,
                source_url=url,
                artist_seen=shapes.clean_text(row.get("artist_name"), 500),
                title_seen=shapes.clean_text(row.get("title"), 500),
                reason="blacklisted in MVidarr 0.9.7",
                created_by=by,
                **({"created_at": shapes.utc(row["blacklisted_at"])} if row.get("blacklisted_at") else {}),
            )
            self.session.add(entry)
            await self.session.flush()
            keys_here[key] = entry.id
            self._blocked_now.add(entry.id)
            self._count("blocklist", "imported", raw, raw, None if url == raw else "URL written as " + url)
            self._link("blocklist", raw, entry.id)

    async def _monitors(self) -> None:
        urls_here = dict((await self.session.execute(select(Monitor.url, Monitor.id))).all())
        for row in self.data.rows("playlist_monitors"):
            legacy_id, name = row["id"], " ".join(str(row.get("name") or "").split())[:255]
            auto_download = shapes.flag(row.get("auto_download"), True)
            done, target = self._linked("monitor", legacy_id)
            if done and target is not None and name:
                await self._follow(
                    "monitor",
                    "monitors",
                    row,
                    name,
                    functools.partial(dict, name=name, auto_download=auto_download),
                    _getter(self.session, Monitor, target),
                    self._update_plain,
                )
                continue
            if done:
                self._count("monitors", "unchanged")
                continue
            url = shapes.clean_text(row.get("playlist_url"), 2048)
            if not url and row.get("playlist_id"):
                url = f"https://www.youtube.com/playlist?list={row['playlist_id']}"
            if not url or not url.startswith(("http://", "https://")):
                self._count("monitors", "skipped", legacy_id, name, "no playlist URL")
                self._link("monitor", legacy_id, None)
                continue
            refused = await self._refused(url)
            if refused is not None:
                self._count("monitors", "skipped", legacy_id, name, f"its URL is refused: {refused}")
                self._link("monitor", legacy_id, None)
                continue
            recorded = follow.recorded(row, {"name": name, "auto_download": auto_download}, FOLLOWED["monitor"])
            if url in urls_here:
                self._count("monitors", "linked", legacy_id, name, "a monitor of this URL is here")
                self._link("monitor", legacy_id, urls_here[url], recorded)
                continue
            words = shapes.text_list(row.get("keywords"), limit=50, max_length=100)
            filters = DiscoveryFilters(include_words=words).model_dump(mode="json") if words else None
            monitor = Monitor(
                name=name or url[:255],
                url=url,
                artist_id=None,
                filters=filters,
                auto_download=auto_download,
                enabled=True,
            )
            self.session.add(monitor)
            await self.session.flush()
            urls_here[url] = monitor.id
            self._count("monitors", "imported", legacy_id, name)
            self._link("monitor", legacy_id, monitor.id, recorded)


def blocked_url(raw: str) -> str | None:
    """A 0.9.7 blacklist key as a URL: a bare YouTube id, a URL without scheme, or a URL."""
    if not raw:
        return None
    if parse_youtube_id(raw) == raw:
        return youtube_url(raw)
    candidate = raw if "://" in raw else f"https://{raw}"
    found = parse_youtube_id(candidate)
    if found:
        return youtube_url(found)
    if candidate.startswith(("http://", "https://")) and "." in candidate.split("/")[2] and " " not in candidate:
        return candidate
    return None


def _artist_source(row: dict[str, Any], name: str) -> dict[str, Any]:
    """The followed values of a 0.9.7 artist row as the import takes them."""
    return {
        "name": name,
        "imvdb_id": shapes.legacy_int(row.get("imvdb_id")),
        "spotify_id": shapes.clean_text(row.get("spotify_id"), 64),
        "monitored": shapes.flag(row.get("monitored"), True),
        "auto_download": shapes.flag(row.get("auto_download"), False),
        "include_words": shapes.text_list(row.get("keywords"), limit=50, max_length=100),
    }


def _split(fields: dict[str, Any] | None) -> dict[str, Any]:
    """A link's recorded values as its two columns: the followed fields, and the row's digest apart
    (a re-run reads only the digests, and the fields of the rows whose digest changed)."""
    if fields is None:
        return {"fields": None, "row_digest": None}
    rest = dict(fields)
    return {"fields": rest, "row_digest": rest.pop(follow.ROW, None)}


def _getter(session: AsyncSession, model: Any, row_id: int) -> Callable[[], Awaitable[Any]]:
    async def get() -> Any:
        return await session.get(model, row_id)

    return get


def _columns(here: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of a row here for the followed fields."""
    return {name: getattr(here, name, None) for name in fields}


def _thumbnail(row: dict[str, Any]) -> dict[str, str]:
    """0.9.7's thumbnail URL, kept beside the row's provenance (the image itself is not fetched)."""
    url = shapes.clean_text(row.get("thumbnail_url"), 2048)
    return {"thumbnail_url": url} if url and url.startswith(("http://", "https://")) else {}


def _base(colour: str) -> str:
    value = colour.lstrip("#")
    try:
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "dark"
    return "light" if (0.2126 * r + 0.7152 * g + 0.0722 * b) > 128 else "dark"


async def root_folders(session: AsyncSession) -> list[tuple[int, str]]:
    return [(r.id, r.path) for r in (await session.execute(select(RootFolder.id, RootFolder.path))).all()]


async def address_of(source: LegacySource, policy: NetworkPolicy | None) -> str:
    """Where to connect: the checked address when a network policy applies (the name is not
    resolved again, so DNS cannot be switched under the check), else the host as given."""
    if policy is None:
        return source.host
    addresses = await policy.resolve(source.host, source.port)
    return str(addresses[0])


async def import_legacy(
    db: Database,
    source: LegacySource,
    *,
    address: str,
    path_maps: Sequence[PathMap],
    dry_run: bool,
    sealer: Sealer,
    hash_password: Callable[[str], Awaitable[str]],
    policy: NetworkPolicy,
    progress: Progress | None = None,
    to_thread: ToThread = asyncio.to_thread,
) -> LegacyReport:
    """Reads the 0.9.7 database and brings it across (or, with `dry_run`, only reports what would happen).
    `policy` checks every URL taken from 0.9.7 that MVidarr would later fetch (sources, monitors)."""
    if progress is not None:
        await progress(0.01, f"reading {source.display}")
    data: LegacyData = await to_thread(read, source, address)
    if dry_run and db.is_sqlite:
        # SQLite has one writer: a dry run's long transaction would stall every job (its own progress
        # too). It runs on a scratch copy of the database instead, deleted afterwards.
        async with _scratch_copy(db, to_thread) as scratch:
            return await _run(
                scratch, source, data, path_maps, dry_run, sealer, hash_password, policy, progress, to_thread
            )
    return await _run(db, source, data, path_maps, dry_run, sealer, hash_password, policy, progress, to_thread)


async def _run(
    db: Database,
    source: LegacySource,
    data: LegacyData,
    path_maps: Sequence[PathMap],
    dry_run: bool,
    sealer: Sealer,
    hash_password: Callable[[str], Awaitable[str]],
    policy: NetworkPolicy,
    progress: Progress | None,
    to_thread: ToThread,
) -> LegacyReport:
    async with db.writer() as session:
        roots = await root_folders(session)
        importer = Importer(
            session=session,
            data=data,
            options=ImportOptions(dry_run=dry_run, placer=Placer(list(path_maps), roots), source_label=source.database),
            sealer=sealer,
            hash_password=hash_password,
            policy=policy,
            progress=progress,
            to_thread=to_thread,
        )
        return await importer.run()


@contextlib.asynccontextmanager
async def _scratch_copy(db: Database, to_thread: ToThread) -> AsyncIterator[Database]:
    folder, target = await to_thread(_copy_sqlite, sqlite_file(db.engine.url))
    scratch = Database.connect(make_url(f"sqlite+aiosqlite:///{target}"), pool_size=1)
    try:
        yield scratch
    finally:
        await scratch.dispose()
        await to_thread(shutil.rmtree, folder, True)


def _copy_sqlite(original: str) -> tuple[str, str]:
    """A copy of the database file in a new folder beside it: (folder, copy)."""
    folder = tempfile.mkdtemp(prefix=".mvidarr-dry-run-", dir=os.path.dirname(os.path.abspath(original)))
    target = os.path.join(folder, "scratch.db")
    src, dst = sqlite3.connect(original), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return folder, target
