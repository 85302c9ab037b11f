"""`mvidarr serve --workers N`: the API processes end with the process that started them, even when it
is killed with `kill -9` (they would otherwise serve on under PID 1, holding the port)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.test_cli import free_port


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found |= {int(child) for child in text}
    return found


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


@pytest.mark.sqlite_only
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_api_processes_end_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env |= {"MVIDARR_DATA_DIR": str(tmp_path / "data"), "MVIDARR_LOG_LEVEL": "warning", "MVIDARR_WORKER_SLOTS": "0"}
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "mvidarr", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stderr=sink,
            start_new_session=True,  # its own process group, to clean up whatever is left
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert supervisor.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        # uvicorn's spawn start method may run a small resource tracker too: the API processes are the
        # children started by multiprocessing's spawn.
        workers = {pid for pid in _children(supervisor.pid) if "spawn_main" in _command(pid)}
        assert len(workers) >= 2, (workers, log.read_text())
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"API processes still running: {[p for p in workers if _alive(p)]}"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(supervisor.pid, signal.SIGKILL)
