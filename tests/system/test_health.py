from __future__ import annotations

from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_lists_each_check_with_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health/ready")
    assert response.status_code == 200, response.text
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert set(checks) == {"database", "migrations", "data_dir", "disk_space", "library", "providers"}
    assert all(c["ok"] and c["reason"] for c in checks.values())


async def test_not_ready_when_a_root_folder_disappears(client: httpx.AsyncClient, tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    assert (await client.post("/api/v1/root-folders", json={"path": str(folder)})).status_code == 201
    folder.rmdir()
    response = await client.get("/api/v1/health/ready")
    assert response.status_code == 503
    library = next(c for c in response.json()["checks"] if c["name"] == "library")
    assert library["ok"] is False
    assert str(folder) in library["reason"]


async def test_not_ready_when_disk_threshold_not_met(app: object, client: httpx.AsyncClient) -> None:
    app.state.settings.health_min_free_disk_mb = 10**12  # type: ignore[attr-defined]
    response = await client.get("/api/v1/health/ready")
    assert response.status_code == 503
    disk = next(c for c in response.json()["checks"] if c["name"] == "disk_space")
    assert disk["ok"] is False
