"""Readiness checks: database, migrations, data dir, disk space, library folders."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import select

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.library.roots import check_folder
from mvidarr.migrations import current_revision, head_revision
from mvidarr.models import RootFolder
from mvidarr.providers import service as provider_service
from mvidarr.providers.hub import ProviderHub
from mvidarr.system.schemas import Check, Readiness

CHECK_TIMEOUT_S = 5.0


async def _database(db: Database) -> list[Check]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            revision = await current_revision(db.engine)
    except TimeoutError:
        return [Check(name="database", ok=False, reason=f"no answer within {CHECK_TIMEOUT_S:.0f} s")]
    except Exception as exc:  # driver errors vary; the message is the reason
        return [Check(name="database", ok=False, reason=f"unreachable: {str(exc).splitlines()[0]}")]
    head = head_revision()
    migrations = (
        Check(name="migrations", ok=True, reason=f"at head ({head})")
        if revision == head
        else Check(
            name="migrations",
            ok=False,
            reason=f"database at {revision or 'no revision'}, code expects {head}; run `mvidarr db upgrade`",
        )
    )
    return [Check(name="database", ok=True, reason=f"{db.engine.dialect.name} reachable"), migrations]


def _data_dir(path: Path, min_free_mb: int) -> list[Check]:
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".health-"):
            pass
        writable = Check(name="data_dir", ok=True, reason=f"{path} is writable")
    except OSError as exc:
        writable = Check(name="data_dir", ok=False, reason=f"{path} is not writable: {exc.strerror}")
    try:
        free_mb = shutil.disk_usage(path).free // (1024 * 1024)
        disk = Check(
            name="disk_space",
            ok=free_mb >= min_free_mb,
            reason=f"{free_mb} MB free in {path} (minimum {min_free_mb} MB)",
        )
    except OSError as exc:
        disk = Check(name="disk_space", ok=False, reason=f"cannot read free space: {exc.strerror}")
    return [writable, disk]


async def _root_folders(db: Database) -> list[Check]:
    try:
        async with db.reader() as session:
            paths = list((await session.execute(select(RootFolder.path))).scalars())
    except Exception:  # reported by the database check
        return []
    if not paths:
        return [Check(name="library", ok=True, reason="no root folders configured yet")]
    states = await asyncio.gather(*(asyncio.to_thread(check_folder, p) for p in paths))
    bad = [state.reason for state in states if not state.accessible]
    if bad:
        return [Check(name="library", ok=False, reason="; ".join(r or "inaccessible" for r in bad))]
    return [Check(name="library", ok=True, reason=f"{len(paths)} root folder(s) accessible")]


def without_reasons(result: Readiness) -> Readiness:
    """The same verdicts with generic reasons, for callers who may not see paths and versions."""
    checks = [
        Check(name=c.name, ok=c.ok, degraded=c.degraded, reason="ok" if c.ok else "failed") for c in result.checks
    ]
    return Readiness(status=result.status, checks=checks)


async def _providers(providers: ProviderHub | None) -> list[Check]:
    """Metadata providers never fail readiness: a provider that is down only degrades enrichment."""
    if providers is None:
        return []
    try:
        statuses = await providers.statuses()
    except Exception:  # reported by the database check
        return []
    impaired = [s for s in statuses if s.state in ("down", "degraded")]
    reason = "; ".join(provider_service.summary(s) for s in statuses if s.state != "disabled")
    return [Check(name="providers", ok=True, degraded=bool(impaired), reason=reason or "all disabled")]


async def readiness(db: Database, settings: Settings, providers: ProviderHub | None = None) -> Readiness:
    database, files, roots, provider_checks = await asyncio.gather(
        _database(db),
        asyncio.to_thread(_data_dir, settings.data_dir, settings.health_min_free_disk_mb),
        _root_folders(db),
        _providers(providers),
    )
    checks = [*database, *files, *roots, *provider_checks]
    return Readiness(status="ready" if all(c.ok for c in checks) else "not_ready", checks=checks)
