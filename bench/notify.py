"""Notifications: how fast an event reaches a webhook during a burst, and that a `kill -9` of the
server mid-burst loses none.

python -m bench.notify  -> bench/results/notify-latest.json

1. starts `mvidarr serve` (SQLite, its job runner and delivery worker) in a temp data dir and a
   webhook receiver in this process that checks every signature;
2. adds a webhook for `video.downloaded`, then runs a job that raises 500 events, one transaction
   each, as fast as it can; the latency of an event is its receipt minus the moment it was raised
   (the `at` of its payload); the bar: p95 under 1 s;
3. runs a second burst of 500 with a short pause between events, `kill -9`s the server once a
   hundred or so have arrived, starts it again on the same data, and waits until every event the
   database holds has reached the receiver (deliveries are at least once: duplicates are counted,
   losses are the bar: none).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SECRET = "bench-webhook-secret"
ADMIN = ("admin", "correct horse battery staple")
BURST = 500
BAR_P95_S = 1.0
KILL_AFTER = 100


@dataclass
class Receiver:
    """Webhook receiver: checks the signature, notes when each event arrived."""

    arrivals: dict[int, float] = field(default_factory=dict)
    raised_at: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        now = time.time()
        timestamp = request.headers.get("x-mvidarr-timestamp", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-mvidarr-signature", "")):
            self.bad_signatures += 1
            await Response(b"bad signature", status_code=401)(scope, receive, send)
            return
        payload = json.loads(body)
        event_id = int(payload["id"])
        with self.lock:
            if event_id in self.arrivals:
                self.duplicates += 1
            else:
                self.arrivals[event_id] = now
                self.raised_at[event_id] = datetime.fromisoformat(payload["at"].replace("Z", "+00:00")).timestamp()
        await Response(b'{"ok":true}', media_type="application/json")(scope, receive, send)

    def latencies(self) -> list[float]:
        return sorted(self.arrivals[k] - self.raised_at[k] for k in self.arrivals)


@contextlib.contextmanager
def receiving(receiver: Receiver) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(receiver, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
        env.update(
            MVIDARR_DATA_DIR=str(self.data),
            MVIDARR_LOG_LEVEL="warning",
            MVIDARR_PASSWORD_HASH_TIME_COST="1",
            MVIDARR_PASSWORD_HASH_MEMORY_KIB="1024",
            MVIDARR_JOB_MODULES='["bench.notify_jobs"]',
            MVIDARR_JOB_LEASE_S="5",
            MVIDARR_JOB_HEARTBEAT_S="1",
            MVIDARR_DEFAULT_ROOT_FOLDER="false",
            PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
        )
        with (self.data.parent / "server.log").open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "mvidarr", "serve", "--port", str(self.port)],
                                            env=env, stderr=log, cwd=REPO)  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{self.base}/api/v1/health", timeout=2)
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def api(self) -> httpx.Client:
        client = httpx.Client(base_url=f"{self.base}/api/v1", timeout=30)
        if client.get("/auth/setup").json()["needed"]:
            client.post("/auth/setup", json={"username": ADMIN[0], "password": ADMIN[1]}).raise_for_status()
        token = client.post("/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return client


def committed_events(data: Path) -> set[int]:
    with contextlib.closing(sqlite3.connect(data / "mvidarr.db")) as db:
        return {row[0] for row in db.execute("SELECT id FROM outbox_event")}


def wait_until(check: Any, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within_s:g} s")
        time.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def prepare(server: Server, url: str) -> None:
    with contextlib.closing(server.api()) as api:
        api.patch("/settings", json={"network.allowed_private_hosts": ["127.0.0.1"]}).raise_for_status()
        target = {"name": "bench", "kind": "webhook", "url": url, "secret": SECRET, "events": ["video.downloaded"]}
        api.post("/notifications", json={**target, "timeout_s": 2}).raise_for_status()


def burst(server: Server, count: int, pause_s: float) -> None:
    with contextlib.closing(server.api()) as api:
        api.post(
            "/jobs", json={"type": "bench.burst", "params": {"count": count, "pause_s": pause_s}}
        ).raise_for_status()


def latency_run(root: Path) -> dict[str, Any]:
    data = root / "latency"
    data.mkdir()
    receiver = Receiver()
    server = Server(data)
    with receiving(receiver) as url:
        server.start()
        try:
            prepare(server, url)
            started = time.monotonic()
            burst(server, BURST, 0.0)
            wait_until(lambda: len(receiver.arrivals) >= BURST, 120, "every event received")
            elapsed = time.monotonic() - started
        finally:
            server.stop()
    latencies = receiver.latencies()
    return {
        "events": len(latencies),
        "seconds": round(elapsed, 2),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
        "max_s": round(latencies[-1], 3),
        "duplicates": receiver.duplicates,
        "bad_signatures": receiver.bad_signatures,
    }


def crash_run(root: Path, count: int = BURST, kill_after: int = KILL_AFTER) -> dict[str, Any]:
    data = root / "crash"
    data.mkdir()
    receiver = Receiver()
    server = Server(data)
    with receiving(receiver) as url:
        server.start()
        try:
            prepare(server, url)
            burst(server, count, 0.01)
            wait_until(lambda: len(receiver.arrivals) >= kill_after, 120, f"{kill_after} events received")
            server.kill()
            before_kill = committed_events(data)
            received_at_kill = len(receiver.arrivals)
            server.start()
            # The burst job resumes after its lease lapses; deliveries cut short go out after theirs.
            wait_until(lambda: len(committed_events(data)) >= count, 180, "the burst finished after the restart")
            committed = committed_events(data)
            wait_until(lambda: committed <= set(receiver.arrivals), 180, "every committed event received")
        finally:
            server.stop()
    return {
        "events_committed_before_kill": len(before_kill),
        "received_at_kill": received_at_kill,
        "events_committed": len(committed),
        "received": len(receiver.arrivals),
        "lost": len(committed - set(receiver.arrivals)),
        "duplicates": receiver.duplicates,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mvidarr-notify-") as tmp:
        root = Path(tmp)
        latency = latency_run(root)
        crash = crash_run(root)
    ok = latency["p95_s"] < BAR_P95_S and crash["lost"] == 0 and latency["bad_signatures"] == 0
    report = {
        "benchmark": "notify",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "burst": latency,
        "kill_9": crash,
        "bar": {"p95_below_s": BAR_P95_S, "lost": 0, "pass": ok},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notify-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        "PASS" if ok else "FAIL",
        f"webhook p95 {latency['p95_s']} s (bar {BAR_P95_S} s); lost after kill -9: {crash['lost']}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
