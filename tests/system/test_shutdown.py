"""SIGTERM to a real `mvidarr serve`: live-event WebSockets are closed with 1012 (service restart),
so clients know to reconnect, and the process exits well within its drain time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

PASSWORD = "stop-the-server-gently-9"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.sqlite_only
def test_sigterm_closes_websockets_with_service_restart(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env |= {
        "MVIDARR_DATA_DIR": str(tmp_path / "data"),
        "MVIDARR_LOG_LEVEL": "warning",
        "MVIDARR_ADMIN_USERNAME": "keeper",
        "MVIDARR_ADMIN_PASSWORD": PASSWORD,
        "MVIDARR_PASSWORD_HASH_TIME_COST": "1",
        "MVIDARR_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen([sys.executable, "-m", "mvidarr", "serve", "--port", str(port)], env=env, stderr=sink)
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
        token = httpx.post(f"{base}/api/v1/auth/login", json={"username": "keeper", "password": PASSWORD}).json()[
            "access_token"
        ]

        async def watch() -> tuple[int | None, float]:
            async with websockets.connect(f"ws://127.0.0.1:{port}/api/v1/ws") as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                await ws.send(json.dumps({"type": "subscribe", "topics": ["jobs"]}))
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert snapshot["type"] == "snapshot"
                started = time.monotonic()
                server.send_signal(signal.SIGTERM)
                try:
                    while True:
                        await asyncio.wait_for(ws.recv(), 30)
                except websockets.ConnectionClosed:
                    return ws.close_code, time.monotonic() - started

        stopping = time.monotonic()
        code, closed_after = asyncio.run(watch())
        assert code == 1012
        assert closed_after < 15
        # uvicorn re-raises the signal it handled once it has shut down: the conventional exit status.
        assert server.wait(timeout=40) in (0, -signal.SIGTERM)
        exit_s = time.monotonic() - stopping
        assert exit_s < 15, f"serve took {exit_s:.1f} s to stop"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
