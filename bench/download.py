"""Download benchmark: yt-dlp over loopback against curl, cancel, and kill -9 of the server mid-download.

Run from the repo root: `.venv/bin/python -m bench.download [--size-mb 200] [--rounds 5]`.

A 127.0.0.1 HTTP server (sendfile, one thread per connection) serves a generated Matroska file of
raw 720p video (about `--size-mb` MB, playable, so probing and placement run for real).

1. Throughput, alternating in the same run: `curl -o file` against the download subprocess
   (`mvidarr.downloads.worker`, yt-dlp's generic extractor, exactly what `video.download` runs).
   Transfer MB/s = bytes over the time from the first to the last byte; the worker's wall time
   (interpreter start and extraction included) is reported too. Bar: median transfer >= 80 % of curl's.
2. A full `video.download` job through a real `mvidarr serve` (SQLite): job wall time and MB/s
   including probing and the move into the library.
3. Cancel: a throttled download is cancelled through the API; seconds until no download process
   is left and the temp folder is empty. Bar: < 2 s.
4. Crash: `kill -9` of the server (its job worker) during a throttled download, restart: the job
   runs again and succeeds; a thread lists the library every 10 ms and must never see a partial
   file. Bar: job succeeded, no partial file seen, temp folder empty.
Results print as a table and JSON and go to bench/results/download-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np

from mvidarr.downloads import ytdlp
from mvidarr.network.policy import NetworkPolicy

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PASSWORD = "correct horse battery staple 42"
WIDTH, HEIGHT = 1280, 720


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_media(path: Path, size_mb: int) -> Path:
    """Raw 720p video in Matroska: `size_mb` MB that any probe reads and no encoder has to produce."""
    frame_bytes = WIDTH * HEIGHT * 3 // 2
    frames = max(1, size_mb * 1_000_000 // frame_bytes)
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("rawvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(frames):
            plane = rng.integers(0, 255, size=(HEIGHT * 3 // 2, WIDTH), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(plane, format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class MediaServer:
    """`/media/<name>` at full speed (sendfile), `/slow/<name>` at `slow_bytes_per_s`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.slow_bytes_per_s = 2_000_000
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self.do_GET(head=True)

            def do_GET(self, head: bool = False) -> None:
                mode, _, name = self.path.split("?")[0].strip("/").partition("/")
                file = server.folder / name
                if mode not in ("media", "slow") or not file.is_file():
                    self.send_error(404)
                    return
                size = file.stat().st_size
                self.send_response(200)
                self.send_header("Content-Type", "video/x-matroska")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if head:
                    return
                try:
                    with file.open("rb") as handle:
                        if mode == "media":
                            self.wfile.flush()
                            self.connection.sendfile(handle)
                            return
                        chunk = max(1, server.slow_bytes_per_s // 20)
                        while data := handle.read(chunk):
                            self.wfile.write(data)
                            time.sleep(0.05)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="media", daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def curl_once(url: str, target: Path) -> dict[str, float]:
    began = time.perf_counter()
    out = subprocess.run(
        ["curl", "-s", "-o", str(target), "-w", "%{size_download} %{time_starttransfer} %{time_total}", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    wall = time.perf_counter() - began
    size, first, total = int(out[0]), float(out[1]), float(out[2])
    target.unlink()
    return {"bytes": size, "transfer_mb_s": size / 1e6 / max(1e-6, total - first), "wall_s": wall}


async def worker_once(url: str, folder: Path) -> dict[str, float]:
    import imageio_ffmpeg

    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    marks: dict[str, float] = {}

    async def on_event(event: dict[str, Any]) -> None:
        if event.get("event") != "progress":
            return
        now = time.perf_counter()
        if event.get("downloaded_bytes") and "first" not in marks:
            # The first report comes after some bytes already arrived: count only what follows it.
            marks["first"] = now
            marks["first_bytes"] = float(event["downloaded_bytes"])
        if event.get("stream_fraction") == 1.0:
            marks["last"] = now

    began = time.perf_counter()
    fetched = await ytdlp.download(
        {"url": url, "folder": str(folder), "format": "best", "ffmpeg": imageio_ffmpeg.get_ffmpeg_exe()},
        policy=NetworkPolicy.allowing(["127.0.0.1"]),  # the bench's media server is on loopback
        on_event=on_event,
    )
    wall = time.perf_counter() - began
    size = fetched.path.stat().st_size
    fetched.path.unlink()
    transfer = marks.get("last", began + wall) - marks.get("first", began)
    counted = size - marks.get("first_bytes", 0.0)
    return {"bytes": size, "transfer_mb_s": counted / 1e6 / max(1e-6, transfer), "wall_s": wall}


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            kids = [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            kids = []
        found.extend(kids)
        stack.extend(kids)
    return found


def _alive_download(pid: int) -> bool:
    """A live (not zombie) `mvidarr.downloads.worker` process."""
    entry = Path(f"/proc/{pid}")
    try:
        cmd = (entry / "cmdline").read_bytes()
        state = next(x for x in (entry / "status").read_text().splitlines() if x.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return b"mvidarr.downloads.worker" in cmd and "Z" not in state.split()[1]


def _download_processes(root: int) -> list[int]:
    """The server's live download subprocesses."""
    return [pid for pid in _descendants(root) if _alive_download(pid)]


async def _until(done: Callable[[], bool], within_s: float = 30.0) -> None:
    deadline = time.perf_counter() + within_s
    while time.perf_counter() < deadline:
        if done():
            return
        await asyncio.sleep(0.01)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = (data_dir.parent / "server.log").open("ab")

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        env.update(
            MVIDARR_DATA_DIR=str(self.data_dir),
            MVIDARR_ADMIN_USERNAME="bencher",
            MVIDARR_ADMIN_PASSWORD=PASSWORD,
            MVIDARR_LOG_LEVEL="warning",
            MVIDARR_WORKER_SLOTS="2",
            MVIDARR_JOB_LEASE_S="3",
            MVIDARR_JOB_HEARTBEAT_S="0.5",
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    async def ready(self, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{self.base}/api/v1/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        login = await client.post(f"{self.base}/api/v1/auth/login", json={"username": "bencher", "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        # The media server is on loopback: the network policy must be told it may be reached.
        allowed = await client.patch(
            f"{self.base}/api/v1/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]}
        )
        allowed.raise_for_status()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


async def _job(client: httpx.AsyncClient, base: str, job_id: int) -> dict[str, Any]:
    return dict((await client.get(f"{base}/api/v1/jobs/{job_id}")).json())


async def _until_done(client: httpx.AsyncClient, base: str, job_id: int, within_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        job = await _job(client, base, job_id)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.1)
    raise RuntimeError(f"job {job_id} did not finish within {within_s} s")


async def _queue_download(client: httpx.AsyncClient, base: str, artist: int, title: str, url: str) -> tuple[int, int]:
    video = await client.post(f"{base}/api/v1/videos", json={"artist_id": artist, "title": title})
    video.raise_for_status()
    job = await client.post(f"{base}/api/v1/videos/{video.json()['id']}/download", json={"source_url": url})
    job.raise_for_status()
    return int(video.json()["id"]), int(job.json()["id"])


async def _until_transferring(client: httpx.AsyncClient, server: Server, temp: Path, job_id: int) -> list[int]:
    deadline = time.monotonic() + 60
    assert server.proc is not None
    while time.monotonic() < deadline:
        job = await _job(client, server.base, job_id)
        running = _download_processes(server.proc.pid)
        if job["status"] == "running" and job["progress"] > 0.005 and _files(temp) and running:
            return running
        await asyncio.sleep(0.05)
    raise RuntimeError("the download did not start")


def _watch_library(root: Path, stop: threading.Event, seen: set[tuple[str, int]]) -> None:
    while not stop.is_set():
        for path in root.rglob("*"):
            try:
                if path.is_file():
                    seen.add((str(path.relative_to(root)), path.stat().st_size))
            except OSError:
                pass
        time.sleep(0.01)


async def run(size_mb: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-download-") as tmp:
        base_dir = Path(tmp)
        served = base_dir / "served"
        served.mkdir()
        began = time.perf_counter()
        make_media(served / "big.mkv", size_mb)
        generated_s = time.perf_counter() - began
        server_media = MediaServer(served)
        url = server_media.url("/media/big.mkv")
        curl_runs: list[dict[str, float]] = []
        worker_runs: list[dict[str, float]] = []
        try:
            for index in range(rounds):
                curl_runs.append(curl_once(url, base_dir / "curl.bin"))
                worker_runs.append(await worker_once(url, base_dir / f"worker-{index}"))

            data = base_dir / "data"
            data.mkdir()
            library = base_dir / "library"
            library.mkdir()
            temp = data / "tmp" / "downloads"
            server = Server(data, _free_port())
            server.start()
            try:
                async with httpx.AsyncClient(timeout=60) as client:
                    await server.ready(client)
                    base = server.base
                    (await client.post(f"{base}/api/v1/root-folders", json={"path": str(library)})).raise_for_status()
                    artist = (await client.post(f"{base}/api/v1/artists", json={"name": "Bench Artist"})).json()["id"]

                    # 2. a full job
                    _video, job_id = await _queue_download(client, base, artist, "Full Job", url)
                    job = await _until_done(client, base, job_id, within_s=600)
                    history = (await client.get(f"{base}/api/v1/activity/history")).json()["items"][0]["download"]
                    full_job = {
                        "status": job["status"],
                        "error": job["error"],
                        "elapsed_s": history["elapsed_s"],
                        "mb_s_including_probe_and_move": round(
                            (history["size"] or 0) / 1e6 / max(1e-6, history["elapsed_s"] or 0), 1
                        ),
                        "quality_label": history["quality_label"],
                    }

                    # 3. cancel
                    server_media.slow_bytes_per_s = 4_000_000
                    slow = server_media.url("/slow/big.mkv")
                    _video, job_id = await _queue_download(client, base, artist, "Cancelled", slow)
                    pids = await _until_transferring(client, server, temp, job_id)
                    asked = time.perf_counter()
                    (await client.post(f"{base}/api/v1/jobs/{job_id}/cancel")).raise_for_status()
                    await _until(lambda: not any(map(_alive_download, pids)) and not _files(temp))
                    cancel_s = time.perf_counter() - asked
                    cancelled = await _until_done(client, base, job_id, within_s=30)
                    cancel = {
                        "seconds_to_no_process_and_no_temp_file": round(cancel_s, 3),
                        "job_status": cancelled["status"],
                        "processes_left": len([p for p in pids if _alive_download(p)]),
                        "temp_files_left": len(_files(temp)),
                    }

                    # 4. kill -9 mid-download, restart
                    before = {str(p.relative_to(library)) for p in _files(library)}
                    seen: set[tuple[str, int]] = set()
                    stop = threading.Event()
                    watcher = threading.Thread(target=_watch_library, args=(library, stop, seen), daemon=True)
                    watcher.start()
                    _video, job_id = await _queue_download(client, base, artist, "Crashed", slow)
                    pids = await _until_transferring(client, server, temp, job_id)
                    partial_bytes = sum(p.stat().st_size for p in _files(temp))
                    server.kill9()
                    killed = time.perf_counter()
                    await _until(lambda: not any(map(_alive_download, pids)))
                    orphan_s = time.perf_counter() - killed
                    server_media.slow_bytes_per_s = 400_000_000
                    server.start()
                    await server.ready(client)
                    crashed = await _until_done(client, base, job_id, within_s=600)
                    recovered_s = time.perf_counter() - killed
                    stop.set()
                    watcher.join()
                    final = {str(p.relative_to(library)): p.stat().st_size for p in _files(library)}
                    partial_seen = [
                        name for name, size in seen if name not in before and (name not in final or size != final[name])
                    ]
                    crash = {
                        "partial_bytes_in_temp_at_kill": partial_bytes,
                        "download_process_gone_after_s": round(orphan_s, 3),
                        "job_status_after_restart": crashed["status"],
                        "job_attempts": crashed["attempts"],
                        "seconds_from_kill_to_success": round(recovered_s, 1),
                        "partial_files_seen_in_library": partial_seen,
                        "temp_files_left": len(_files(temp)),
                    }
            finally:
                server.stop()
        finally:
            server_media.close()
    curl_mb_s = statistics.median(r["transfer_mb_s"] for r in curl_runs)
    worker_mb_s = statistics.median(r["transfer_mb_s"] for r in worker_runs)
    return {
        "size_mb": round(media_size(curl_runs) / 1e6, 1),
        "generated_s": round(generated_s, 1),
        "throughput": {
            "curl_mb_s": [round(r["transfer_mb_s"], 1) for r in curl_runs],
            "ytdlp_worker_mb_s": [round(r["transfer_mb_s"], 1) for r in worker_runs],
            "curl_wall_s": [round(r["wall_s"], 2) for r in curl_runs],
            "ytdlp_worker_wall_s": [round(r["wall_s"], 2) for r in worker_runs],
            "median_ratio": round(worker_mb_s / curl_mb_s, 3),
        },
        "full_job": full_job,
        "cancel": cancel,
        "crash": crash,
        "machine": {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)},
    }


def media_size(runs: list[dict[str, float]]) -> float:
    return runs[0]["bytes"] if runs else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(run(args.size_mb, args.rounds))
    crash = results["crash"]
    results["bars"] = {
        "transfer_at_least_80_percent_of_curl": results["throughput"]["median_ratio"] >= 0.8,
        "cancel_under_2_s": results["cancel"]["seconds_to_no_process_and_no_temp_file"] < 2.0
        and results["cancel"]["job_status"] == "cancelled",
        "crash_job_runs_again_no_partial_file": crash["job_status_after_restart"] == "succeeded"
        and not crash["partial_files_seen_in_library"]
        and crash["temp_files_left"] == 0,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "download-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("curl MB/s (median)", f"{statistics.median(results['throughput']['curl_mb_s']):.1f}"),
        ("yt-dlp worker MB/s (median)", f"{statistics.median(results['throughput']['ytdlp_worker_mb_s']):.1f}"),
        ("ratio (bar >= 0.80)", f"{results['throughput']['median_ratio']:.3f}"),
        ("full job MB/s incl. probe+move", f"{results['full_job']['mb_s_including_probe_and_move']}"),
        ("cancel -> clean (s, bar < 2)", f"{results['cancel']['seconds_to_no_process_and_no_temp_file']}"),
        ("kill -9: child gone after (s)", f"{crash['download_process_gone_after_s']}"),
        ("kill -9: job after restart", f"{crash['job_status_after_restart']} (attempts {crash['job_attempts']})"),
        ("kill -9: partial files seen", f"{len(crash['partial_files_seen_in_library'])}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(json.dumps(results, indent=2))
    return 0 if all(results["bars"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
