"""Page render benchmark: server time of every web page on the 20,000-video demo library.

Run from the repo root: `.venv/bin/python -m bench.pages [--requests 60]`.

1. seeds a fresh temp data dir with `mvidarr seed-demo --artists 1000 --videos-per-artist 20`;
2. starts `mvidarr serve --no-jobs` (one worker) and signs in as an admin (admins see the most);
3. requests each page `--requests` times, one at a time over loopback (random list pages, artist
   and video ids, search words), after a warm-up of 5 requests per page;
4. prints a table of p50/p95/max per page and writes bench/results/pages-latest.json.

Bar (issue #10): p95 under 100 ms for every page. Times are measured by the client around each
request, so they include the loopback round trip (well under 1 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
ARTISTS, PER_ARTIST = 1000, 20
VIDEOS = ARTISTS * PER_ARTIST
USER, PASSWORD = "pages", "page-bench-password-not-secret"
BAR_P95_MS = 100.0
WARMUP = 5
WORDS = ("love", "night", "fire", "dream", "heart", "summer", "rain", "dance", "light", "gold")

PAGES: dict[str, Callable[[random.Random], str]] = {
    "dashboard": lambda r: "/",
    "artists": lambda r: f"/artists?page={r.randint(1, ARTISTS // 50)}&page_size=50",
    "artists_grid": lambda r: f"/artists?view=grid&sort=-video_count&page={r.randint(1, 20)}",
    "artist": lambda r: f"/artists/{r.randint(1, ARTISTS)}",
    "videos": lambda r: f"/videos?page={r.randint(1, VIDEOS // 50)}&page_size=50",
    "videos_search": lambda r: f"/videos?q={r.choice(WORDS)}",
    "videos_filtered": lambda r: (
        f"/videos?status=wanted&year_min=1990&year_max=2010&sort=-year&page={r.randint(1, 20)}"
    ),
    "video": lambda r: f"/videos/{r.randint(1, VIDEOS)}",
    "activity": lambda r: "/activity",
    "quality": lambda r: "/quality",
    "unmatched": lambda r: "/unmatched",
    "settings": lambda r: "/settings",
    "system": lambda r: "/system",
    "profile": lambda r: "/profile",
    "wanted": lambda r: f"/wanted?page={r.randint(1, 20)}",
    "wanted_cutoff": lambda r: "/wanted?list=cutoff_unmet",
    "calendar": lambda r: "/calendar",
    "artist_add": lambda r: "/artists/add",
    "review": lambda r: "/metadata/review",
    "trash": lambda r: "/trash",
}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env.update(MVIDARR_DATA_DIR=str(data), MVIDARR_LOG_LEVEL="warning", MVIDARR_ADMIN_USERNAME=USER,
               MVIDARR_ADMIN_PASSWORD=PASSWORD)  # fmt: skip
    return env


def seed(data: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "mvidarr", "seed-demo", "--artists", str(ARTISTS),
               "--videos-per-artist", str(PER_ARTIST)]  # fmt: skip
    subprocess.run([sys.executable, "-m", "mvidarr", "db", "upgrade"], env=_env(data), cwd=REPO, check=True)
    subprocess.run(command, env=_env(data), cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(base: str, requests: int, rng: random.Random) -> dict[str, dict[str, float]]:
    with httpx.Client(base_url=base, timeout=30) as client:
        login = client.post("/api/v1/auth/login", json={"username": USER, "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        results: dict[str, dict[str, float]] = {}
        for name, path_of in PAGES.items():
            times: list[float] = []
            for index in range(WARMUP + requests):
                path = path_of(rng)
                started = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
                if index >= WARMUP:
                    times.append(elapsed)
            results[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "max_ms": round(max(times), 1),
                "requests": len(times),
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mvidarr-pages-") as tmp:
        data = Path(tmp) / "data"
        seed_s = seed(data)
        port = _free_port()
        log = (Path(tmp) / "server.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "serve", "--no-jobs", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(data), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start: " + (Path(tmp) / "server.log").read_text()[-2000:])
                time.sleep(0.1)
            pages = measure(base, args.requests, random.Random(args.seed))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    worst = max(p["p95_ms"] for p in pages.values())
    run = {
        "benchmark": "pages",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "library": {"artists": ARTISTS, "videos": VIDEOS},
        "seed_s": round(seed_s, 1),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "pages": pages,
        "bar": {"p95_ms_below": BAR_P95_MS, "worst_p95_ms": worst, "pass": worst < BAR_P95_MS},
    }
    print(f"{'page':<18}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, row in pages.items():
        print(f"{name:<18}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}")
    print(f"{'PASS' if worst < BAR_P95_MS else 'FAIL'}: worst page p95 {worst:.1f} ms (bar < {BAR_P95_MS:.0f} ms)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pages-latest.json").write_text(json.dumps(run, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
