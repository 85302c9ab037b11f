"""What can be checked of `deploy/` on this machine: the systemd unit verifies, the compose file
parses with the services its comments promise, the Dockerfile runs as a non-root user with a
health check and volumes, and the proxy examples pass WebSockets. Building the image needs a
container engine; without one that test says so and skips."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
pytestmark = pytest.mark.sqlite_only  # nothing here touches a database


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the unit was not verified")
    unit = (DEPLOY / "mvidarr.service").read_text()
    assert "ExecStart=/opt/mvidarr/bin/mvidarr serve" in unit
    for hardening in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "CapabilityBoundingSet="):
        assert hardening in unit
    # The unit names the installed program; verify it against this checkout's (which exists here).
    program = Path(sys.executable).parent / "mvidarr"
    (tmp_path / "mvidarr.service").write_text(unit.replace("/opt/mvidarr/bin/mvidarr", str(program)))
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "mvidarr.service")], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_compose_file_has_both_variants() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"mvidarr", "postgres", "api", "worker"}
    assert services["mvidarr"]["profiles"] == ["sqlite"]
    for name in ("postgres", "api", "worker"):
        assert services[name]["profiles"] == ["postgres"]
    assert services["worker"]["command"][0] == "worker"
    assert services["api"]["command"][:1] == ["serve"]
    assert "postgresql+asyncpg://" in services["api"]["environment"]["MVIDARR_DATABASE_URL"]
    assert services["worker"]["environment"] == services["api"]["environment"]
    for name in ("mvidarr", "api", "worker"):
        volumes = services[name]["volumes"]
        assert any(v.endswith(":/data") for v in volumes)
        assert any(v.endswith(":/library") for v in volumes)
        assert services[name]["stop_grace_period"] == "45s"
    assert set(compose["volumes"]) == {"mvidarr-data", "postgres-data"}


def test_dockerfile_is_slim_non_root_with_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert "\nUSER mvidarr\n" in text
    assert "HEALTHCHECK" in text
    assert "/api/v1/health/ready" in text
    assert 'VOLUME ["/data", "/library"]' in text
    assert "requirements/lock.txt" in text


def test_image_builds_where_a_container_engine_runs() -> None:
    docker = shutil.which("docker") or shutil.which("podman")
    if docker is None or subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False).returncode:
        pytest.skip("no container engine runs here: the image was not built")
    result = subprocess.run(
        [docker, "build", "-f", str(DEPLOY / "Dockerfile"), "-t", "mvidarr:test", str(DEPLOY.parent)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]


def test_proxy_examples_pass_websockets() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "location /api/v1/ws" in nginx
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:5000" in caddy
