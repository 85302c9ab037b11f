"""Backup and restore of a 20,000-video SQLite library (in-process, real files).

python -m bench.backup  -> bench/results/backup-latest.json
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

from bench.app_settings import in_process_settings
from mvidarr.backups import service
from mvidarr.db import Database, utcnow
from mvidarr.demo.seed import seed_library
from mvidarr.migrations import upgrade

RESULTS = Path(__file__).parent / "results"
ARTISTS, PER_ARTIST = 1000, 20
BAR_S = 5.0


async def run(data: Path) -> dict[str, Any]:
    settings = in_process_settings(data, worker_slots=0)
    db = Database.connect(settings.database, pool_size=2)
    try:
        await upgrade(db.engine)
        await seed_library(settings, artists=ARTISTS, videos_per_artist=PER_ARTIST)
        started = time.perf_counter()
        path, manifest = await service.create(db, settings, passphrase="bench passphrase", now=utcnow())
        create_s = time.perf_counter() - started
        started = time.perf_counter()
        plan = await service.restore(
            db, settings, path, passphrase="bench passphrase", dry_run=False, refuse_running_jobs=True
        )
        restore_s = time.perf_counter() - started
    finally:
        await db.dispose()
    return {
        "create_s": round(create_s, 3),
        "restore_s": round(restore_s, 3),
        "backup_bytes": path.stat().st_size,
        "database_bytes": (data / "bench.db").stat().st_size,
        "videos": manifest.row_counts["video"],
        "restored_videos": next(t.backup for t in plan.tables if t.table == "video"),
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mvidarr-backup-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        results = asyncio.run(run(data))
    ok = results["create_s"] < BAR_S
    report = {
        "benchmark": "backup",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **results,
        "bar": {"create_s_below": BAR_S, "pass": ok},
    }
    print(
        f"backup of {results['videos']} videos: {results['create_s']} s "
        f"({results['database_bytes'] / 1e6:.1f} MB database, {results['backup_bytes'] / 1e6:.1f} MB zip); "
        f"restore {results['restore_s']} s"
    )
    print(f"{'PASS' if ok else 'FAIL'}: backup {results['create_s']} s (bar < {BAR_S:.0f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "backup-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
