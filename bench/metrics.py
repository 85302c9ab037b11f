"""`/metrics` scrape time on a 20,000-video library with 10,000 jobs, and what the request hook costs
the hot GETs (in-process, the app built twice: with and without the metrics hook).

python -m bench.metrics  -> bench/results/metrics-latest.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench.app_settings import in_process_settings
from mvidarr.app import create_app
from mvidarr.auth.tokens import new_refresh_token, new_session_id, sha256
from mvidarr.db import Database, utcnow
from mvidarr.demo.seed import seed_library
from mvidarr.migrations import upgrade
from mvidarr.models import Job, RefreshToken, Role
from mvidarr.settings import service as runtime_settings
from mvidarr.users import service as users

RESULTS = Path(__file__).parent / "results"
ARTISTS, PER_ARTIST, JOBS = 1000, 20, 10_000
BAR_SCRAPE_MS = 20.0
TYPES = ("library.scan", "video.enrich", "video.download", "artist.discover", "media.probe", "system.noop")
STATUSES = ("queued", "running", "succeeded", "succeeded", "succeeded", "failed", "cancelled")


async def _fill(settings: Any) -> None:
    db = Database.connect(settings.database, pool_size=1)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()
    await seed_library(settings, artists=ARTISTS, videos_per_artist=PER_ARTIST)
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = []
    for _ in range(JOBS):
        status = rng.choice(STATUSES)
        started = now - timedelta(seconds=rng.uniform(1, 86400))
        run_s = rng.expovariate(1 / 30) if status not in ("queued", "running") else None
        rows.append(
            {
                "type": rng.choice(TYPES),
                "status": status,
                "priority": 0,
                "params": {},
                "progress": 0.0,
                "attempts": 1,
                "max_attempts": 1,
                "run_after": started - timedelta(seconds=rng.uniform(0, 60)),
                "cancel_requested": False,
                "awaiting_children": False,
                "created_at": started,
                "started_at": None if status == "queued" else started,
                "finished_at": started + timedelta(seconds=run_s) if run_s is not None else None,
                "run_s": run_s,
            }
        )
    db = Database.connect(settings.database, pool_size=1)
    try:
        async with db.writer() as session:
            await session.execute(insert(Job), rows)
            await session.commit()
    finally:
        await db.dispose()


async def _client(app: Any) -> httpx.AsyncClient:
    # A token of a session that exists (a refresh token row), as a sign-in makes: the guard checks it.
    session_id = new_session_id()
    async with app.state.db.writer() as session:
        user = await users.create_user(
            session, username=f"bench{random.randrange(10**9)}", password_hash="x", role=Role.ADMIN
        )
        session.add(
            RefreshToken(
                user_id=user.id, family_id=session_id, token_hash=sha256(new_refresh_token()),
                expires_at=utcnow() + app.state.auth.refresh_ttl,
            )
        )  # fmt: skip
        await session.commit()
    token = app.state.auth.signer.issue(
        user_id=user.id, username=user.username, role=Role.ADMIN, session_id=session_id,
        must_change_password=False,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {token}"})


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


async def _scrapes(client: httpx.AsyncClient, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.get("/metrics")
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
    return times


async def _gets(client: httpx.AsyncClient, paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        (await client.get(path)).raise_for_status()
    return (time.perf_counter() - started) / len(paths)


async def run(data: Path, scrapes: int, rounds: int, per_round: int) -> dict[str, Any]:
    settings = in_process_settings(data, worker_slots=0)
    await _fill(settings)
    with_hook = create_app(settings)
    without_hook = create_app(settings)
    # The same app, its request middleware built without the metrics hook.
    for middleware in without_hook.user_middleware:
        if "on_response" in middleware.kwargs:
            middleware.kwargs["on_response"] = None
    results: dict[str, Any] = {}
    async with (
        with_hook.router.lifespan_context(with_hook),
        without_hook.router.lifespan_context(without_hook),
    ):
        async with with_hook.state.db.writer() as session:
            await runtime_settings.update_settings(
                session, {"metrics.allowed_networks": []}, sealer=with_hook.state.auth.sealer
            )
            await session.commit()
        hooked, bare = await _client(with_hook), await _client(without_hook)
        rng = random.Random(3)
        paths = [f"/api/v1/videos/{rng.randint(1, ARTISTS * PER_ARTIST)}" for _ in range(per_round)]
        await _gets(hooked, paths[:200])
        await _gets(bare, paths[:200])
        on, off = [], []
        for index in range(rounds):  # alternated, so drift in the machine's load hits both alike
            first, second = (hooked, bare) if index % 2 == 0 else (bare, hooked)
            a = await _gets(first, paths)
            b = await _gets(second, paths)
            on.append(a if first is hooked else b)
            off.append(b if first is hooked else a)
        results["video_detail_us"] = {
            "with_metrics": round(statistics.median(on) * 1e6, 1),
            "without_metrics": round(statistics.median(off) * 1e6, 1),
        }
        results["video_detail_us"]["overhead_pct"] = round(
            (results["video_detail_us"]["with_metrics"] / results["video_detail_us"]["without_metrics"] - 1) * 100, 2
        )
        await _scrapes(hooked, 3)
        results["scrape"] = _ms(await _scrapes(hooked, scrapes))
        size = len((await hooked.get("/metrics")).content)
        results["scrape"]["bytes"] = size
        await hooked.aclose()
        await bare.aclose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrapes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mvidarr-metrics-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        results = asyncio.run(run(data, args.scrapes, args.rounds, args.per_round))
    p95 = results["scrape"]["p95_ms"]
    report = {
        "benchmark": "metrics",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "library": {"videos": ARTISTS * PER_ARTIST, "jobs": JOBS},
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **results,
        "bar": {"scrape_p95_ms_below": BAR_SCRAPE_MS, "pass": p95 < BAR_SCRAPE_MS},
    }
    detail = results["video_detail_us"]
    print(f"scrape: p50 {results['scrape']['p50_ms']} ms, p95 {p95} ms, max {results['scrape']['max_ms']} ms")
    print(
        f"video by id in-process: {detail['with_metrics']} us with the metrics hook, "
        f"{detail['without_metrics']} us without ({detail['overhead_pct']:+.2f} %)"
    )
    print(f"{'PASS' if p95 < BAR_SCRAPE_MS else 'FAIL'}: scrape p95 {p95} ms (bar < {BAR_SCRAPE_MS:.0f} ms)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "metrics-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
