"""Streaming benchmark (issue 5's bars), `python -m bench.stream`.

1. A range request for the first 1 MiB of a 200 MB file, over and over on one connection:
   p50 must be under 5 ms.
2. 32 concurrent full-file streams fetched by curl, against the disk's own speed in the same run
   (`dd iflag=direct`, which bypasses the page cache); meanwhile `GET /api/v1/health` every 20 ms
   shows whether the event loop stalls.

The file's bytes are not a real video: direct streaming sends bytes, it does not decode them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.run import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FILE_MB = 200
RANGE_BYTES = 1024 * 1024
STREAMS = 32
ADMIN = ("streambench", "stream-bench-password-1")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _make_file(path: Path) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as handle:
        for _ in range(FILE_MB):
            handle.write(block)


def _start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env.update(
        MVIDARR_DATA_DIR=str(data),
        MVIDARR_LOG_LEVEL="warning",
        MVIDARR_ADMIN_USERNAME=ADMIN[0],
        MVIDARR_ADMIN_PASSWORD=ADMIN[1],
    )
    log = (data.parent / "server.log").open("wb")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "mvidarr"), "serve", "--port", str(port), "--no-jobs"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data.parent,
    )


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def _setup_video(base: str, data: Path, library: Path, file_name: str) -> tuple[int, str]:
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}, timeout=30)
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    root = httpx.post(f"{base}/api/v1/root-folders", json={"path": str(library)}, headers=headers).json()
    artist = httpx.post(f"{base}/api/v1/artists", json={"name": "Stream Bench"}, headers=headers).json()
    video = httpx.post(
        f"{base}/api/v1/videos", json={"artist_id": artist["id"], "title": "Big File"}, headers=headers
    ).json()
    # The file row a scan would write (the bytes are not a decodable video, so no real scan).
    size = (library / file_name).stat().st_size
    with sqlite3.connect(data / "mvidarr.db") as conn:
        conn.execute(
            "INSERT INTO media_file (video_id, root_folder_id, relative_path, is_current, size, mtime, container,"
            " video_codec, audio_codec, created_at) VALUES (?, ?, ?, 1, ?, ?, 'mp4', 'h264', 'aac', ?)",
            (video["id"], root["id"], file_name, size, time.time(), datetime.now(UTC).isoformat(" ")),
        )
    return int(video["id"]), token


def _range_latencies(url: str, token: str, count: int = 300) -> list[float]:
    headers = {"Authorization": f"Bearer {token}", "Range": f"bytes=0-{RANGE_BYTES - 1}"}
    timings: list[float] = []
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(20):
            client.get(url)
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 206
            assert len(response.content) == RANGE_BYTES
    return timings


def _disk_read(path: Path) -> int:
    """Read the file the way the disk delivers it: O_DIRECT, no page cache."""
    subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M", "iflag=direct"], check=True, capture_output=True)
    return path.stat().st_size


def _download(url: str, token: str) -> int:
    done = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", "-H", f"Authorization: Bearer {token}", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def _concurrent(task: Any, count: int) -> tuple[float, int]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        sizes = list(pool.map(lambda _: task(), range(count)))
    return time.perf_counter() - started, sum(sizes)


def _health_sampler(base: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f"{base}/api/v1/health")
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mvidarr-stream-") as temp:
        work = Path(temp)
        data, library = work / "data", work / "library"
        library.mkdir(parents=True)
        big = library / "big.mp4"
        _make_file(big)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_server(data, port)
        try:
            _wait_ready(base)
            video_id, token = _setup_video(base, data, library, big.name)
            url = f"{base}/api/v1/videos/{video_id}/stream"
            ranges = _range_latencies(url, token)
            baseline_s, baseline_bytes = _concurrent(lambda: _disk_read(big), 4)
            stop = threading.Event()
            health: list[float] = []
            sampler = threading.Thread(target=_health_sampler, args=(base, stop, health))
            sampler.start()
            streams_s, streams_bytes = _concurrent(lambda: _download(url, token), STREAMS)
            stop.set()
            sampler.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert streams_bytes == STREAMS * FILE_MB * 1024 * 1024
    assert baseline_bytes == 4 * FILE_MB * 1024 * 1024
    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "file_mb": FILE_MB,
        "range_1mib_ms": {"p50": statistics.median(ranges), "p99": _percentile(ranges, 99), "count": len(ranges)},
        "concurrent_streams": STREAMS,
        "streams_mb_s": round(streams_bytes / streams_s / 1e6, 1),
        "disk_direct_reads_mb_s": round(baseline_bytes / baseline_s / 1e6, 1),
        "health_during_streams_ms": {
            "p50": round(statistics.median(health), 2),
            "p99": round(_percentile(health, 99), 2),
            "max": round(max(health), 2),
            "count": len(health),
        },
    }
    result["streams_vs_disk"] = round(result["streams_mb_s"] / result["disk_direct_reads_mb_s"], 3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stream-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    p50 = result["range_1mib_ms"]["p50"]
    print(f"{'PASS' if p50 < 5 else 'FAIL'}: 1 MiB range p50 {p50:.2f} ms (< 5 ms)")
    ratio = result["streams_vs_disk"]
    print(f"{'PASS' if ratio >= 1 else 'FAIL'}: {STREAMS} streams at {ratio:.2f}x the disk's direct-read speed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
