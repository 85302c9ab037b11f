"""`mvidarr users create` and the start-up admin from the environment, as real processes."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.test_cli import MVIDARR, free_port, run

sqlite_only = pytest.mark.sqlite_only
PASSWORD = "a long enough passphrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    return values | {"MVIDARR_DATA_DIR": str(tmp_path / "data"), "MVIDARR_LOG_LEVEL": "warning"}


def _serve(environment: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("w") as sink:
        server = subprocess.Popen([*MVIDARR, "serve", "--port", str(port), "--no-jobs"], env=environment, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/api/v1/health", timeout=2)
            return server, base
        except httpx.TransportError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


@sqlite_only
def test_users_create_with_password_from_stdin(env: dict[str, str], tmp_path: Path) -> None:
    created = subprocess.run(
        [*MVIDARR, "users", "create", "Ada", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "created admin Ada" in created.stderr
    again = subprocess.run(
        [*MVIDARR, "users", "create", "ada", "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 2
    assert "taken" in again.stderr
    weak = subprocess.run(
        [*MVIDARR, "users", "create", "bob", "--password-stdin"],
        input="short\n", env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert weak.returncode == 2
    assert "at least 10 characters" in weak.stderr

    server, base = _serve(env, tmp_path / "serve.log")
    try:
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "ada", "password": PASSWORD}, timeout=10)
        assert login.status_code == 200, login.text
        assert httpx.get(f"{base}/api/v1/artists", timeout=10).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)


@sqlite_only
def test_admin_from_environment_at_start_up(env: dict[str, str], tmp_path: Path) -> None:
    weak = run(["db", "upgrade"], {**env, "MVIDARR_ADMIN_USERNAME": "root", "MVIDARR_ADMIN_PASSWORD": "root"})
    assert weak.returncode == 2
    assert "MVIDARR_ADMIN_PASSWORD is not acceptable" in weak.stderr
    with_admin = {**env, "MVIDARR_ADMIN_USERNAME": "root", "MVIDARR_ADMIN_PASSWORD": PASSWORD}
    server, base = _serve(with_admin, tmp_path / "serve.log")
    try:
        assert httpx.get(f"{base}/api/v1/auth/setup", timeout=10).json() == {"needed": False}
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "root", "password": PASSWORD}, timeout=10)
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        me = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.json()["role"] == "admin"
    finally:
        server.terminate()
        server.wait(timeout=30)
