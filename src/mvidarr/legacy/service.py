"""Bringing a MVidarr 0.9.7 library across: what each 0.9.7 row becomes here, and the report.

A dry run does the very same work inside one transaction and rolls it back, so its report is what
the real run will do; the real run commits kind by kind (and videos in batches), each batch with
its `legacy_link` rows, so an interrupted import resumes where it stopped and a second one changes
nothing. Rows already here are matched (by ids, names, files) and only their empty fields filled.
A later run carries 0.9.7's changes to rows it brought across, field by field, unless the field was
changed or locked here since (`legacy.follow`, decision 0056).

Where the parts live: reading the 0.9.7 database in `legacy.source`, its values cleaned in `legacy.shapes`,
file paths placed in `legacy.paths`, the run's state and bookkeeping in `legacy.importer`, each kind of row
in `legacy.kinds`, thumbnails after the import in `legacy.thumbnails`, the report in `legacy.schemas`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy.importer import FOLLOWED, Importer, ImportOptions, Progress, ToThread
from mvidarr.legacy.kinds import artists, blocklist, downloads, monitors, playlists, settings, users, videos
from mvidarr.legacy.paths import PathMap, Placer
from mvidarr.legacy.schemas import LegacyReport
from mvidarr.legacy.source import LegacyData, LegacySource, read
from mvidarr.models import LegacyLink, RootFolder
from mvidarr.network.policy import NetworkPolicy
from mvidarr.reads import sqlite_file


async def _import(importer: Importer) -> LegacyReport:
    started = time.perf_counter()
    rows = await importer.session.execute(
        select(
            LegacyLink.id, LegacyLink.kind, LegacyLink.legacy_key, LegacyLink.target_id, LegacyLink.row_digest
        ).where(LegacyLink.source == importer.options.source_label)
    )
    for link_id, kind, key, target, digest in rows.all():
        importer.links[(kind, key)] = target
        if kind in FOLLOWED:
            importer.link_digests[(kind, key)] = (link_id, digest)
    if not importer.options.dry_run:
        # A writer's transaction holds SQLite's write lock from its first statement: it ends here, so the
        # progress below (written by the job in a session of its own) does not wait for this one.
        await importer.session.commit()
    steps: list[tuple[str, Callable[[Importer], Awaitable[None]]]] = [
        ("settings", settings.import_settings),
        ("users", users.import_users),
        ("themes", users.import_themes),
        ("artists", artists.import_artists),
        ("videos and files", videos.import_videos),
        ("download history", downloads.import_downloads),
        ("playlists", playlists.import_playlists),
        ("blocklist", blocklist.import_blocklist),
        ("monitors", monitors.import_monitors),
    ]
    for index, (label, step) in enumerate(steps):
        await importer.step(0.05 + 0.9 * index / len(steps), f"{label}")
        await step(importer)
        await importer.checkpoint()
    if importer.options.dry_run:
        await importer.session.rollback()
    importer.report.root_folders_to_scan = sorted(importer.scan_roots)
    importer.report.thumbnails_to_fetch = importer.thumbnails
    importer.report.elapsed_s = round(time.perf_counter() - started, 2)
    await importer.step(1.0, "done")
    return importer.report


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
        return await _import(importer)


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
