"""`/metrics` with several API processes (`mvidarr serve --workers 2`): every scrape, whichever
process answers it, adds up the requests all processes served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.metrics.test_metrics_api import samples, value

ADMIN_PASSWORD = "scrape-all-the-things-42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.sqlite_only
def test_scrapes_add_up_every_api_process(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MVIDARR_", "PROMETHEUS_"))}
    env |= {
        "MVIDARR_DATA_DIR": str(tmp_path / "data"),
        "MVIDARR_LOG_LEVEL": "warning",
        "MVIDARR_ADMIN_USERNAME": "prom",
        "MVIDARR_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "MVIDARR_PASSWORD_HASH_TIME_COST": "1",
        "MVIDARR_PASSWORD_HASH_MEMORY_KIB": "1024",
        "MVIDARR_WORKER_SLOTS": "0",
    }
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "serve", "--port", str(port), "--workers", "2"], env=env, stderr=sink
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        shared = list((tmp_path / "data" / "tmp").glob("metrics-*"))
        assert len(shared) == 1, "serve --workers 2 keeps the processes' metrics in one folder"
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "prom", "password": ADMIN_PASSWORD})
        token = login.json()["access_token"]
        # New connections each time: the kernel spreads them over both processes.
        for _ in range(40):
            assert httpx.get(f"{base}/api/v1/artists", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        time.sleep(6)  # each process refreshes its gauges in the shared folder every 5 s
        pids: set[str] = set()
        for _ in range(6):
            answer = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
            found = samples(answer.text)
            route = {"method": "GET", "route": "/api/v1/artists", "status": "200"}
            assert value(found, "mvidarr_http_request_duration_seconds_count", **route) == 40
            pids |= {dict(labels)["pid"] for name, labels in found if name == "mvidarr_process_resident_memory_bytes"}
        assert len(pids) == 2, f"memory of both API processes, got {pids}"
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert not list((tmp_path / "data" / "tmp").glob("metrics-*")), "the shared folder is removed at exit"
