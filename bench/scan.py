"""Library scan benchmark against a real `mvidarr serve` process (SQLite, 2 job slots).

Run from the repo root: `.venv/bin/python -m bench.scan [--files 2000] [--rescan-files 20000]`.

1. First scan: N copies of a tiny generated H.264/AAC clip (160x90, 0.5 s) in
   `Artist NNN/Artist NNN - Song MM (Official Video).mp4`; every file is probed, matched and gets
   thumbnails. Files/s over the job's run time (and over the probing+matching phase alone);
   meanwhile a client calls `GET /api/v1/health` every 20 ms: p50/p99/max latency.
2. Rescan: a second root with M tiny (1-byte) files is scanned once (each file probed and recorded
   as unreadable), then scanned again unchanged: run time, and the server's peak RSS during that
   rescan above its RSS just before it.
Results print as JSON and go to bench/results/scan-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from tests.fixtures.media import ClipSpec, make_clip

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PASSWORD = "correct horse battery staple 42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def make_tree(root: Path, count: int, source: Path | None) -> None:
    """`count` files, ten per artist folder: copies of `source`, or 1-byte files when None."""
    for index in range(count):
        artist = f"Artist {index // 10:04d}"
        folder = root / artist
        if index % 10 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{artist} - Song {index % 10:02d} (Official Video).mp4"
        if source is None:
            target.write_bytes(b"x")
        else:
            shutil.copyfile(source, target)


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        env.update(
            MVIDARR_DATA_DIR=str(data_dir),
            MVIDARR_ADMIN_USERNAME="scanner",
            MVIDARR_ADMIN_PASSWORD=PASSWORD,
            MVIDARR_LOG_LEVEL="warning",
            MVIDARR_WORKER_SLOTS="2",
        )
        self.log = (data_dir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    async def ready(self, client: httpx.AsyncClient) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{self.base}/api/v1/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        login = await client.post(f"{self.base}/api/v1/auth/login", json={"username": "scanner", "password": PASSWORD})
        login.raise_for_status()
        return str(login.json()["access_token"])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _seconds(job: dict[str, Any]) -> float:
    started = datetime.fromisoformat(job["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00"))
    return (finished - started).total_seconds()


async def _scan(
    client: httpx.AsyncClient, base: str, root_id: int, pid: int | None = None
) -> tuple[dict[str, Any], int]:
    """Run a scan to its end; with `pid`, sample the server's RSS (KiB) meanwhile and return the peak."""
    job = (await client.post(f"{base}/api/v1/library/scan", json={"root_folder_id": root_id})).json()
    peak = 0
    while job["status"] in ("queued", "running"):
        if pid is not None:
            peak = max(peak, _rss_kib(pid))
            await asyncio.sleep(0.02)
        else:
            await asyncio.sleep(0.2)
        job = (await client.get(f"{base}/api/v1/jobs/{job['id']}")).json()
    if job["status"] != "succeeded":
        raise RuntimeError(f"scan failed: {job['error']}")
    return job, peak


async def _health_sampler(client: httpx.AsyncClient, base: str, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        response = await client.get(f"{base}/api/v1/health")
        out.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        await asyncio.sleep(0.02)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 2)


async def run(files: int, rescan_files: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-scan-") as tmp:
        base_dir = Path(tmp)
        data = base_dir / "data"
        data.mkdir()
        clip = make_clip(base_dir / "clip", ClipSpec("tiny.mp4", "mp4", "libx264", "aac", 160, 90, seconds=0.5))
        first_root = base_dir / "first"
        rescan_root = base_dir / "rescan"
        make_tree(first_root, files, clip)
        make_tree(rescan_root, rescan_files, None)
        server = Server(data)
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                token = await server.ready(client)
                client.headers["Authorization"] = f"Bearer {token}"
                roots = []
                for folder in (first_root, rescan_root):
                    created = await client.post(f"{server.base}/api/v1/root-folders", json={"path": str(folder)})
                    created.raise_for_status()
                    roots.append(created.json()["id"])
                for _ in range(50):  # warm the health path
                    await client.get(f"{server.base}/api/v1/health")

                latencies: list[float] = []
                stop = asyncio.Event()
                async with httpx.AsyncClient(timeout=10) as health_client:
                    sampler = asyncio.create_task(_health_sampler(health_client, server.base, stop, latencies))
                    first, _ = await _scan(client, server.base, roots[0])
                    stop.set()
                    await sampler
                result = first["result"]
                first_s = _seconds(first)

                seeded, _ = await _scan(client, server.base, roots[1])
                await asyncio.sleep(1.0)
                pid = server.proc.pid
                idle_kib = _rss_kib(pid)
                began = time.perf_counter()
                rescan, peak_kib = await _scan(client, server.base, roots[1], pid=pid)
                rescan_wall = time.perf_counter() - began
        finally:
            server.stop()
    return {
        "first_scan": {
            "files": files,
            "run_s": round(first_s, 2),
            "files_per_s": round(files / first_s, 1),
            "probe_and_match_s": result["matching_s"],
            "files_per_s_probe_and_match": round(files / result["matching_s"], 1),
            "thumbnails": result["thumbnails"],
            "matched": result["matched"],
            "health_during_scan_ms": {
                "samples": len(latencies),
                "p50": round(statistics.median(latencies), 2),
                "p99": _percentile(latencies, 0.99),
                "max": round(max(latencies), 2),
            },
        },
        "rescan": {
            "files": rescan_files,
            "seed_scan_s": round(_seconds(seeded), 2),
            "run_s": round(_seconds(rescan), 2),
            "wall_s": round(rescan_wall, 2),
            "unchanged": rescan["result"]["unchanged"],
            "probed": rescan["result"]["probed"],
            "server_rss_idle_mb": round(idle_kib / 1024, 1),
            "server_rss_peak_mb": round(peak_kib / 1024, 1),
            "server_rss_above_idle_mb": round((peak_kib - idle_kib) / 1024, 1),
        },
        "machine": {"cpus": os.cpu_count()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rescan-files", type=int, default=20_000)
    args = parser.parse_args()
    results = asyncio.run(run(args.files, args.rescan_files))
    first, rescan = results["first_scan"], results["rescan"]
    results["bars"] = {
        "first_scan_at_least_80_files_per_s": first["files_per_s"] >= 80,
        "health_p99_under_50_ms": first["health_during_scan_ms"]["p99"] < 50,
        "rescan_under_10_s": rescan["run_s"] < 10,
        "rescan_rss_under_100_mb_above_idle": rescan["server_rss_above_idle_mb"] < 100,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scan-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
