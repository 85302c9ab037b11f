"""Rate-limit benchmark: a burst of downloads against a source answering 429 with Retry-After.

Run from the repo root: `.venv/bin/python -m bench.rate_limit [--videos 50] [--outage-s 20] [--retry-after 2]`.

A real `mvidarr serve` (SQLite, 2 worker slots) downloads `--videos` videos queued at once (one bulk
download) from a 127.0.0.1 source that answers every request with `429 Too Many Requests` and
`Retry-After: <retry-after>` for the first `--outage-s` seconds, then serves the file. A watcher polls
every video's status every 250 ms for the whole run.

Bar (issue 26): no video is ever failed (not once, not for good) and all of them are downloaded once the
source recovers. Reported too: the requests the source saw during the outage (the back-off keeps them
few: one host wait, not one request per video and candidate), the time from recovery to the last
download, and the jobs' attempts. Results go to bench/results/rate-limit-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.download import RESULTS, Server, _free_port, make_media


class LimitedSource:
    """`/limited/<name>`: 429 + Retry-After until `recovers_at` (monotonic), then the file."""

    def __init__(self, folder: Path, retry_after: int) -> None:
        self.folder = folder
        self.retry_after = retry_after
        self.recovers_at = float("inf")
        self.lock = threading.Lock()
        self.limited = 0
        self.served = 0
        source = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self.do_GET(head=True)

            def do_GET(self, head: bool = False) -> None:
                name = self.path.split("?")[0].removeprefix("/limited/")
                file = source.folder / name
                if not file.is_file():
                    self.send_error(404)
                    return
                if time.monotonic() < source.recovers_at:
                    with source.lock:
                        source.limited += 1
                    body = b"Too Many Requests"
                    self.send_response(429)
                    self.send_header("Retry-After", str(source.retry_after))
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                with source.lock:
                    source.served += 1
                data = file.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "video/x-matroska")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, name="limited", daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


async def _statuses(client: httpx.AsyncClient, base: str, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for page in range(1, len(ids) // 200 + 2):
        listed = await client.get(f"{base}/api/v1/videos", params={"page": page, "page_size": 200})
        listed.raise_for_status()
        for item in listed.json()["items"]:
            if item["id"] in ids:
                found[item["id"]] = item["status"]
    return found


async def run(videos: int, outage_s: float, retry_after: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mvidarr-bench-ratelimit-") as tmp:
        base_dir = Path(tmp)
        served = base_dir / "served"
        served.mkdir()
        make_media(served / "clip.mkv", 1)
        source = LimitedSource(served, retry_after)
        data = base_dir / "data"
        data.mkdir()
        library = base_dir / "library"
        library.mkdir()
        server = Server(data, _free_port())
        server.start()
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                await server.ready(client)
                base = server.base
                (await client.post(f"{base}/api/v1/root-folders", json={"path": str(library)})).raise_for_status()
                artist = (await client.post(f"{base}/api/v1/artists", json={"name": "Burst Artist"})).json()["id"]
                ids: list[int] = []
                for n in range(videos):
                    made = await client.post(
                        f"{base}/api/v1/videos",
                        json={
                            "artist_id": artist,
                            "title": f"Burst {n:03d}",
                            "sources": [{"url": source.url(f"/limited/clip.mkv?n={n}")}],
                        },
                    )
                    made.raise_for_status()
                    ids.append(int(made.json()["id"]))
                began = time.monotonic()
                source.recovers_at = began + outage_s
                queued = await client.post(f"{base}/api/v1/videos/download", json={"video_ids": ids})
                queued.raise_for_status()
                ever_failed: set[int] = set()
                downloaded_at: dict[int, float] = {}
                limited_during_outage = 0
                deadline = began + outage_s + 60 + videos * 10
                while time.monotonic() < deadline:
                    statuses = await _statuses(client, base, ids)
                    now = time.monotonic()
                    if now < source.recovers_at:
                        limited_during_outage = source.limited
                    for video_id, status in statuses.items():
                        if status == "failed":
                            ever_failed.add(video_id)
                        if status == "downloaded" and video_id not in downloaded_at:
                            downloaded_at[video_id] = now
                    if len(downloaded_at) == len(ids):
                        break
                    await asyncio.sleep(0.25)
                parent = (await client.get(f"{base}/api/v1/jobs/{queued.json()['id']}")).json()
                children = (
                    await client.get(f"{base}/api/v1/jobs", params={"parent_id": queued.json()["id"], "page_size": 200})
                ).json()
                child_items = children.get("items", []) if isinstance(children, dict) else []
                history = (
                    await client.get(f"{base}/api/v1/activity/history", params={"outcome": "failed", "page_size": 200})
                ).json()
        finally:
            server.stop()
            source.close()
    recovered = began + outage_s
    last = max(downloaded_at.values()) if downloaded_at else None
    return {
        "videos": videos,
        "outage_s": outage_s,
        "retry_after_s": retry_after,
        "downloaded": len(downloaded_at),
        "videos_ever_failed": len(ever_failed),
        "downloaded_during_outage": sum(1 for t in downloaded_at.values() if t < recovered),
        "requests_answered_429": source.limited,
        "requests_answered_429_during_outage": limited_during_outage,
        "requests_served_after_recovery": source.served,
        "seconds_from_recovery_to_last_download": round(last - recovered, 1) if last is not None else None,
        "total_s": round((last or time.monotonic()) - began, 1),
        "parent_job_status": parent.get("status"),
        "child_jobs_failed": sum(1 for job in child_items if job.get("status") == "failed"),
        "child_job_max_attempts_used": max((int(job.get("attempts") or 0) for job in child_items), default=None),
        "waiting_attempts_in_history": history.get("total"),
        "machine": {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--outage-s", type=float, default=20.0)
    parser.add_argument("--retry-after", type=int, default=2)
    args = parser.parse_args()
    results = asyncio.run(run(args.videos, args.outage_s, args.retry_after))
    results["bars"] = {
        "no_video_ever_failed_and_all_downloaded": results["videos_ever_failed"] == 0
        and results["downloaded"] == results["videos"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rate-limit-latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if all(results["bars"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
