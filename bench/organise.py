"""Organise benchmark on SQLite with real files (empty ones: moves cost the same whatever the size).

Run from the repo root: `.venv/bin/python -m bench.organise [--videos 20000] [--moves 2000]`.

1. Dry run: N videos, each with a file in `in/NNNNN.mkv` (500 artists): the time to load the
   candidates from the database and plan every move (`organise.service.make_plan`). Bar: < 5 s at 20,000.
2. Apply: M of those moves carried out (journal, rename, fsync of folders, database update, empty
   folders removed) on one filesystem. Bar: < 10 s at 2,000.
Results print as a table and go to bench/results/organise-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import make_url

from mvidarr.db import Database
from mvidarr.kit.text import fold
from mvidarr.migrations import upgrade
from mvidarr.models import Artist, MediaFile, RootFolder, Video
from mvidarr.organise import service

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


async def _seed(db: Database, root: Path, videos: int) -> None:
    now = datetime.now(UTC)
    (root / "in").mkdir(parents=True)
    for i in range(videos):
        (root / "in" / f"{i:05d}.mkv").touch()
    async with db.writer() as session:
        session.add(RootFolder(id=1, path=str(root), name="bench"))
        await session.flush()
        artists = [
            {
                "id": a + 1,
                "name": f"Artist {a:03d}",
                "sort_name": f"Artist {a:03d}",
                "name_key": f"artist {a:03d}",
                "search_text": f"artist {a:03d}",
                "created_at": now,
                "updated_at": now,
            }
            for a in range(500)
        ]
        await session.execute(insert(Artist), artists)
        rows = [
            {
                "id": i + 1,
                "artist_id": i % 500 + 1,
                "title": f"Song {i} (Live?)",
                "sort_title": f"Song {i}",
                "search_text": fold(f"Song {i}"),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(videos)
        ]
        await session.execute(insert(Video), rows)
        files = [
            {
                "id": i + 1,
                "video_id": i + 1,
                "root_folder_id": 1,
                "relative_path": f"in/{i:05d}.mkv",
                "size": 0,
                "mtime": 0.0,
                "is_current": True,
                "quality_label": "1080p",
                "created_at": now,
            }
            for i in range(videos)
        ]
        await session.execute(insert(MediaFile), files)
        await session.commit()


async def run(videos: int, moves: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-organise-") as tmp:
        url = make_url(f"sqlite+aiosqlite:///{tmp}/bench.db")
        db = Database.connect(url)
        try:
            await upgrade(db.engine)
            root = Path(tmp) / "library"
            await _seed(db, root, videos)
            started = time.perf_counter()
            plan = await service.make_plan(db.reader)
            dry_s = time.perf_counter() - started
            assert len(plan.moves) == videos, len(plan.moves)
            plan.moves = plan.moves[:moves]
            started = time.perf_counter()
            result = await service.apply_plan(db.writer, plan)
            apply_s = time.perf_counter() - started
            assert result.moved == moves, result
        finally:
            await db.dispose()
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "dry_run": {"videos": videos, "seconds": round(dry_s, 3), "bar_s": 5.0, "ok": dry_s < 5.0},
        "apply": {"moves": moves, "seconds": round(apply_s, 3), "bar_s": 10.0, "ok": apply_s < 10.0},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=20_000)
    parser.add_argument("--moves", type=int, default=2_000)
    args = parser.parse_args()
    out = asyncio.run(run(args.videos, args.moves))
    print(f"{'measure':<28}{'value':>10}{'bar':>8}  ok")
    dry, apply = out["dry_run"], out["apply"]
    print(f"{'dry run ' + str(args.videos) + ' videos (s)':<28}{dry['seconds']:>10}{5.0:>8}  {dry['ok']}")
    print(f"{'apply ' + str(args.moves) + ' moves (s)':<28}{apply['seconds']:>10}{10.0:>8}  {apply['ok']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "organise-latest.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
