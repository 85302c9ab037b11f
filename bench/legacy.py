"""Importing a 20,000-video MVidarr 0.9.7 database (MariaDB at 127.0.0.1:3306) into a fresh SQLite
library, in-process: the dry run, the import, and a second import that must change nothing.

python -m bench.legacy  -> bench/results/legacy-latest.json
BENCH_LEGACY_TARGET=postgresql+asyncpg://postgres@127.0.0.1:5432/test python -m bench.legacy
    -> the same into PostgreSQL (a schema of its own, dropped afterwards): legacy-postgresql-latest.json
BENCH_LEGACY_ARTISTS=200 (default 1000, 20 videos each) for a smaller trial run.

The 0.9.7 database is made as its first start makes it (tests/fixtures/legacy097.py) with 1,000
artists x 20 videos, JSON columns in their three shapes, and an empty file for every downloaded
video under the library (0.9.7's relative `local_path`, mapped with a path map). Loading it is not
timed. Bar: the import in under 60 s; the re-run a no-op (every row unchanged, no row count moves).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from tests.fixtures.legacy097 import create_legacy_database, load_bulk, mariadb_reachable

from bench.app_settings import in_process_settings
from mvidarr.auth.passwords import Passwords
from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.legacy import service as legacy
from mvidarr.legacy.paths import PathMap
from mvidarr.legacy.schemas import LegacyReport
from mvidarr.legacy.source import LegacySource
from mvidarr.migrations import upgrade
from mvidarr.models import Artist, Download, LegacyLink, MediaFile, RootFolder, Video, VideoGenre
from mvidarr.network.policy import NetworkPolicy

RESULTS = Path(__file__).parent / "results"
ARTISTS, PER_ARTIST = int(os.environ.get("BENCH_LEGACY_ARTISTS", "1000")), 20
BAR_S = 60.0


async def _counts(db: Database) -> dict[str, int]:
    async with db.reader() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Artist, Video, MediaFile, VideoGenre, Download, LegacyLink)
        }


async def _target(settings_url: Any) -> tuple[Database, str | None]:
    target = os.environ.get("BENCH_LEGACY_TARGET")
    if not target:
        return Database.connect(settings_url, pool_size=2), None
    schema = f"bench_legacy_{os.getpid()}"
    admin = Database.connect(make_url(target), pool_size=1)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return Database.connect(make_url(target), pool_size=2, pg_schema=schema), schema


async def _drop(schema: str) -> None:
    admin = Database.connect(make_url(os.environ["BENCH_LEGACY_TARGET"]), pool_size=1)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


async def run(data: Path, library: Path, url: str) -> dict[str, Any]:
    settings = in_process_settings(data, worker_slots=0)
    db, schema = await _target(settings.database)
    passwords = Passwords(settings)
    source = LegacySource.parse(url)
    maps = [PathMap.parse(f"data/musicvideos={library}")]
    sealer = Sealer.from_secret(settings.resolve_secret_key())

    async def once(dry_run: bool) -> tuple[float, LegacyReport]:
        started = time.perf_counter()
        report = await legacy.import_legacy(
            db,
            source,
            address=source.host,
            path_maps=maps,
            dry_run=dry_run,
            sealer=sealer,
            hash_password=passwords.hash,
            policy=NetworkPolicy.allowing([]),
        )
        return time.perf_counter() - started, report

    try:
        await upgrade(db.engine)
        async with db.writer() as session:
            session.add(RootFolder(path=str(library), name="Library"))
            await session.commit()
        dry_s, dry = await once(True)
        import_s, first = await once(False)
        after_import = await _counts(db)
        rerun_s, second = await once(False)
        after_rerun = await _counts(db)
    finally:
        passwords.close()
        await db.dispose()
        if schema is not None:
            await _drop(schema)
    rows = sum(k.total for k in first.kinds.values())
    return {
        "target": db.engine.dialect.name,
        "videos": first.kinds["videos"].total,
        "source_rows": rows,
        "dry_run_s": round(dry_s, 2),
        "import_s": round(import_s, 2),
        "rerun_s": round(rerun_s, 2),
        "imported": {k: v.imported for k, v in first.kinds.items()},
        "dry_run_matches_import": {k: v.imported for k, v in dry.kinds.items()}
        == {k: v.imported for k, v in first.kinds.items()},
        "every_row_accounted": all(k.accounted == k.total for k in first.kinds.values()),
        "rerun_unchanged": all(k.unchanged == k.total for k in second.kinds.values()),
        "rerun_row_counts_equal": after_import == after_rerun,
        "row_counts": after_rerun,
    }


def main() -> int:
    if not mariadb_reachable():
        print("MariaDB is not reachable at 127.0.0.1:3306; nothing measured")
        return 1
    legacy_db = create_legacy_database("mvidarr_bench")
    try:
        with tempfile.TemporaryDirectory(prefix="mvidarr-legacy-") as tmp:
            data, library = Path(tmp) / "data", Path(tmp) / "library"
            data.mkdir()
            started = time.perf_counter()
            for local in load_bulk(legacy_db, artists=ARTISTS, videos_per_artist=PER_ARTIST):
                path = library / local.removeprefix("data/musicvideos/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            load_s = time.perf_counter() - started
            results = asyncio.run(run(data, library, legacy_db.url))
    finally:
        legacy_db.drop()
    ok = results["import_s"] < BAR_S and results["rerun_unchanged"] and results["rerun_row_counts_equal"]
    report = {
        "benchmark": "legacy-import",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "load_s_not_timed": round(load_s, 1),
        **results,
        "bar": {"import_s_below": BAR_S, "rerun_no_op": True, "pass": ok},
    }
    print(
        f"0.9.7 import of {results['videos']} videos ({results['source_rows']} rows): "
        f"dry run {results['dry_run_s']} s, import {results['import_s']} s, re-run {results['rerun_s']} s "
        f"(unchanged: {results['rerun_unchanged']}, counts equal: {results['rerun_row_counts_equal']})"
    )
    print(f"{'PASS' if ok else 'FAIL'}: import {results['import_s']} s (bar < {BAR_S:.0f} s), re-run a no-op")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "legacy-postgresql-latest.json" if os.environ.get("BENCH_LEGACY_TARGET") else "legacy-latest.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
