"""The `mvidarr` command as users run it: real processes, real databases."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

MVIDARR = [sys.executable, "-m", "mvidarr"]
sqlite_only = pytest.mark.sqlite_only


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MVIDARR, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    values["MVIDARR_DATA_DIR"] = str(tmp_path / "data")
    values["MVIDARR_LOG_LEVEL"] = "warning"
    return values


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@sqlite_only
def test_bad_settings_stop_with_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    cases = {
        "MVIDARR_DATABASE_URL=::garbage::": "MVIDARR_DATABASE_URL",
        "MVIDARR_DATABASE_URL=postgresql+asyncpg://nobody@127.0.0.1:1/none": "cannot connect to database",
        "MVIDARR_PORT=99999": "MVIDARR_PORT",
        f"MVIDARR_DATA_DIR={tmp_path / 'file' / 'data'}": "MVIDARR_DATA_DIR",
    }
    (tmp_path / "file").write_text("blocks the data dir")
    for assignment, expected in cases.items():
        key, value = assignment.split("=", 1)
        result = run(["db", "upgrade"], {**env, key: value}, timeout=60)
        assert result.returncode == 2, (assignment, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (assignment, result.stderr)
        assert expected in lines[0], (assignment, lines[0])
        assert "Traceback" not in result.stderr


@sqlite_only
def test_port_in_use_is_one_clear_line(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["serve", "--port", str(port)], env, timeout=60)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


@sqlite_only
def test_serve_migrates_and_answers(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen([*MVIDARR, "serve", "--port", str(port)], env=env, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200, response.text
        assert response.headers["x-request-id"]
        data = tmp_path / "data"
        assert (data / "mvidarr.db").exists()
        assert (data / "library").is_dir()
        assert oct((data / "secret.key").stat().st_mode & 0o777) == "0o600"
        assert oct((data / "mvidarr.db").stat().st_mode & 0o777) == "0o600"
        assert oct(data.stat().st_mode & 0o777) == "0o700"
        for sidecar in (data / "mvidarr.db-wal", data / "mvidarr.db-shm"):
            if sidecar.exists():
                assert oct(sidecar.stat().st_mode & 0o777) == "0o600", sidecar
    finally:
        server.terminate()
        server.wait(timeout=30)


def _serve(env: dict[str, str], log: Path, *, jobs: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    jobs_flag = [] if jobs else ["--no-jobs"]
    with log.open("w") as sink:
        server = subprocess.Popen([*MVIDARR, "serve", "--port", str(port), *jobs_flag], env=env, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=2)
                return server, base
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"server did not start: {log.read_text()}"
                time.sleep(0.2)
    except BaseException:
        server.kill()
        server.wait(timeout=30)
        raise


def _failed_logins_with_rotating_forwarded_for(base: str) -> list[int]:
    return [
        httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "root", "password": "not the password"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            timeout=30,
        ).status_code
        for i in range(7)
    ]


@sqlite_only
def test_forwarded_for_is_believed_only_from_trusted_proxies(env: dict[str, str], tmp_path: Path) -> None:
    """By default a rotating X-Forwarded-For from 127.0.0.1 does not dodge the per-address throttle;
    with MVIDARR_TRUSTED_PROXIES naming the proxy, it is each client's address."""
    env = {**env, "MVIDARR_ADMIN_USERNAME": "root", "MVIDARR_ADMIN_PASSWORD": "a long admin password"}
    server, base = _serve(env, tmp_path / "serve.log")
    try:
        assert _failed_logins_with_rotating_forwarded_for(base) == [401] * 5 + [429] * 2
    finally:
        server.terminate()
        server.wait(timeout=30)
    trusted = {**env, "MVIDARR_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"}
    server, base = _serve(trusted, tmp_path / "serve-trusted.log")
    try:
        assert _failed_logins_with_rotating_forwarded_for(base) == [401] * 7
    finally:
        server.terminate()
        server.wait(timeout=30)
    bad = run(["db", "upgrade"], {**env, "MVIDARR_TRUSTED_PROXIES": "not-an-address"}, timeout=60)
    assert bad.returncode == 2
    assert "MVIDARR_TRUSTED_PROXIES" in bad.stderr


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root` (pid -> command line), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                try:
                    found[pid] = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    found[pid] = ""
                frontier.append(pid)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone: it holds no memory and runs nothing)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@sqlite_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_pool_workers_die_with_a_killed_server(env: dict[str, str], tmp_path: Path) -> None:
    from tests.fixtures.media import STANDARD_CLIPS, make_clip

    library = tmp_path / "library"
    make_clip(library / "Artist", STANDARD_CLIPS[0], name="Artist - Title.mp4")
    env = {
        **env,
        "MVIDARR_ADMIN_USERNAME": "root",
        "MVIDARR_ADMIN_PASSWORD": "a long admin password",
        "MVIDARR_LIBRARY_DIR": str(library),
    }
    server, base = _serve(env, tmp_path / "serve.log", jobs=True)
    try:
        token = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "root", "password": "a long admin password"}, timeout=30
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        roots = httpx.get(f"{base}/api/v1/root-folders", headers=auth, timeout=30).json()
        if not roots:
            roots = [httpx.post(f"{base}/api/v1/root-folders", json={"path": str(library)}, headers=auth).json()]
        scan = {"root_folder_id": roots[0]["id"]}
        job = httpx.post(f"{base}/api/v1/library/scan", json=scan, headers=auth, timeout=30).json()
        deadline = time.monotonic() + 90
        while httpx.get(f"{base}/api/v1/jobs/{job['id']}", headers=auth, timeout=30).json()["status"] != "succeeded":
            assert time.monotonic() < deadline, "the scan did not finish"
            time.sleep(0.3)
        children = _descendants(server.pid)
        assert any("multiprocessing" in command for command in children.values()), children
    finally:
        server.kill()  # kill -9: no shutdown code runs
        server.wait(timeout=30)
    deadline = time.monotonic() + 15
    while [pid for pid in children if _alive(pid)]:
        assert time.monotonic() < deadline, {pid: children[pid] for pid in children if _alive(pid)}
        time.sleep(0.2)


@sqlite_only
def test_seed_demo_speed_and_refusal(env: dict[str, str]) -> None:
    started = time.monotonic()
    result = run(["seed-demo", "--artists", "1000", "--videos-per-artist", "20"], env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "seeded 1000 artists, 20000 videos" in result.stderr
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"

    again = run(["seed-demo", "--artists", "5"], env)
    assert again.returncode == 2
    assert "already has 1000 artist(s)" in again.stderr
    forced = run(["seed-demo", "--artists", "5", "--videos-per-artist", "1", "--force"], env)
    assert forced.returncode == 0, forced.stderr


@sqlite_only
def test_db_upgrade(env: dict[str, str]) -> None:
    result = run(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    assert "latest schema" in result.stderr


@sqlite_only
def test_worker_logs_json_lines(env: dict[str, str]) -> None:
    """`mvidarr worker` logs as `serve` does: JSON lines at the configured level."""
    env = {**env, "MVIDARR_LOG_LEVEL": "info", "MVIDARR_LOG_JSON": "true"}
    command = [*MVIDARR, "worker", "--slots", "1"]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        records = []
        try:
            deadline = time.monotonic() + 30
            while not any("started" in r["message"] for r in records):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([proc.stderr], [], [], remaining)[0]:
                    break
                line = proc.stderr.readline()
                if not line:
                    break
                if line.startswith("{"):
                    records.append(json.loads(line))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    started = [r for r in records if r["logger"].startswith("mvidarr.jobs") and "started" in r["message"]]
    assert started, records
    assert started[0]["level"] == "info"
    assert proc.returncode == 0
