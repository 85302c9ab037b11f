"""Watch-progress benchmark (issue 21's bar), `python -m bench.playback`.

Players report a play's position every few seconds. With 200 such writes a second arriving, the
video list's p99 at 64 connections must stay within 10 % of its p99 without them. The library is
`seed-demo`'s 1,000 x 20; runs alternate (without, with, without, with) and the medians of each
kind are compared, so a drift of the machine's load falls on both. Results go to
bench/results/playback-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.run import (
    API,
    BENCH_PASSWORD,
    BENCH_USER,
    RESULTS_DIR,
    SEED_ARTISTS,
    SEED_VIDEOS_PER_ARTIST,
    VIDEO_IDS,
    find_wrk,
    free_port,
    run_wrk,
    running_server,
    sign_in,
)

WRITES_PER_S = 200
PLAYS = 200
MAX_IN_FLIGHT = 100
CONNECTIONS = 64
BAR_RATIO = 1.10


class ProgressWriter:
    """PATCH /history/plays/{id} at a steady rate, open loop (a slow answer does not slow the
    sending, as with many players), from an asyncio loop in its own thread."""

    def __init__(self, base: str, token: str, plays: list[int], rate: float) -> None:
        self.base, self.token, self.plays, self.rate = base, token, plays, rate
        self.stop = threading.Event()
        self.done = 0
        self.failed = 0

    async def _send(self, client: httpx.AsyncClient, play: int, position: int) -> None:
        try:
            answer = await client.patch(f"/history/plays/{play}", json={"position_s": position, "duration_s": 240})
            ok = answer.status_code == 204
        except httpx.HTTPError:
            ok = False
        if ok:
            self.done += 1
        else:
            self.failed += 1

    async def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
        async with httpx.AsyncClient(base_url=self.base + API, headers=headers, timeout=30, limits=limits) as client:
            tasks: set[asyncio.Task[None]] = set()
            start = time.monotonic()
            n = 0
            while not self.stop.is_set():
                due = start + n / self.rate
                pause = due - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
                task = asyncio.create_task(self._send(client, self.plays[n % len(self.plays)], n % 200))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
            self.sent = n
            await asyncio.gather(*tasks)

    def __enter__(self) -> ProgressWriter:
        self.started = time.monotonic()
        self.thread = threading.Thread(target=asyncio.run, args=(self._run(),), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.elapsed = time.monotonic() - self.started
        self.thread.join(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (without, with)")
    args = parser.parse_args()
    wrk = find_wrk()
    mvidarr = str(Path(sys.executable).parent / "mvidarr")
    workdir = Path(tempfile.mkdtemp(prefix="mvidarr-bench-playback-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env |= {
        "MVIDARR_DATA_DIR": str(workdir / "data"),
        "MVIDARR_LOG_LEVEL": "warning",
        "MVIDARR_ADMIN_USERNAME": BENCH_USER,
        "MVIDARR_ADMIN_PASSWORD": BENCH_PASSWORD,
        "MVIDARR_ACCESS_TOKEN_TTL_S": "86400",
    }
    print(f"bench: seeding {VIDEO_IDS} videos", file=sys.stderr)
    subprocess.run(
        [mvidarr, "seed-demo", "--artists", str(SEED_ARTISTS), "--videos-per-artist", str(SEED_VIDEOS_PER_ARTIST)],
        cwd=workdir, env=env, check=True, capture_output=True, timeout=900,
    )  # fmt: skip
    port = free_port()
    runs: list[dict[str, Any]] = []
    with running_server(
        "mvidarr",
        [mvidarr, "serve", "--port", str(port), "--no-jobs"],
        port=port,
        ready_path=f"{API}/health",
        env=env,
        cwd=workdir,
        log_path=workdir / "mvidarr.log",
    ) as server:
        token = sign_in(server.base_url)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url + API, headers=headers, timeout=10) as client:
            plays = [
                client.post("/history/plays", json={"video_id": 1 + (n * 97) % VIDEO_IDS}).json()["id"]
                for n in range(PLAYS)
            ]
        auth = [f"Authorization: Bearer {token}"]
        run_wrk(wrk, server, "video_list", 10, 2, 1, auth)  # warm-up, discarded
        for round_ in range(args.rounds):
            for writing in (False, True):
                if writing:
                    with ProgressWriter(server.base_url, token, plays, WRITES_PER_S) as writer:
                        time.sleep(0.5)
                        result = run_wrk(wrk, server, "video_list", CONNECTIONS, args.duration, 7 + round_, auth)
                    rate = writer.done / writer.elapsed
                else:
                    result = run_wrk(wrk, server, "video_list", CONNECTIONS, args.duration, 7 + round_, auth)
                    rate, writer = 0.0, None
                entry = {
                    "writes": writing, "writes_per_s": round(rate, 1),
                    "failed_writes": writer.failed if writer else 0, "rps": result.rps,
                    "p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "errors": result.errors,
                }  # fmt: skip
                runs.append(entry)
                print(f"  {entry}", file=sys.stderr)
    without = statistics.median(r["p99_ms"] for r in runs if not r["writes"])
    with_writes = statistics.median(r["p99_ms"] for r in runs if r["writes"])
    achieved = min(r["writes_per_s"] for r in runs if r["writes"])
    ratio = with_writes / without
    passed = ratio <= BAR_RATIO and achieved >= WRITES_PER_S * 0.95 and not any(r["failed_writes"] for r in runs)
    report = {
        "benchmark": "playback-progress",
        "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "connections": CONNECTIONS,
        "duration_s": args.duration,
        "runs": runs,
        "p99_without_ms": without,
        "p99_with_ms": with_writes,
        "ratio": round(ratio, 3),
        "writes_per_s_achieved": achieved,
        "bar": f"video_list @{CONNECTIONS}: p99 with {WRITES_PER_S} progress writes/s <= {BAR_RATIO} x without",
        "pass": passed,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "playback-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'PASS' if passed else 'FAIL'}: p99 {without:.1f} -> {with_writes:.1f} ms (x{ratio:.3f}), "
          f"{achieved:.0f} writes/s")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
