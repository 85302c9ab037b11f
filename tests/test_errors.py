from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.models import Role

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:mvidarr:problem:not-found"
    assert body["instance"] == "/api/v1/nothing-here"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/v1/artists")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "PUT" in response.json()["detail"]
    assert "allow" in response.headers


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/artists", content=b'{"name": "unterminated', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mvidarr:problem:malformed-json"


async def test_malformed_json_is_checked_for_access_first(anon_client: httpx.AsyncClient, client_as: Any) -> None:
    broken = {"content": b'{"name": "unterminated', "headers": {"content-type": "application/json"}}
    anonymous = await anon_client.post("/api/v1/artists", **broken)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    reader = await client_as(Role.READONLY)
    assert (await reader.post("/api/v1/artists", **broken)).status_code == 403
    # A public route with a body still answers 400.
    assert (await anon_client.post("/api/v1/auth/login", **broken)).status_code == 400


async def test_every_operation_with_a_body_documents_the_malformed_body_answer(
    anon_client: httpx.AsyncClient,
) -> None:
    spec = (await anon_client.get("/api/v1/openapi.json")).json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "400" not in operation["responses"]
    ]
    assert missing == []


async def test_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/artists",
        content=b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_chunked_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(40):
            yield b"x" * 65536

    response = await client.post("/api/v1/artists", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_unexpected_error_is_500_with_only_a_request_id(app: Any, client: httpx.AsyncClient) -> None:
    @app.get("/api/v1/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    response = await client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert "secret" not in response.text
    assert body["request_id"]
    assert response.headers["x-request-id"] == body["request_id"]


async def test_request_id_is_accepted_when_well_formed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health", headers={"X-Request-ID": "client-trace-12345"})
    assert response.headers["x-request-id"] == "client-trace-12345"


@pytest.mark.parametrize("bad", ["short", "has spaces in it", "x" * 200, "semi;colon;value"])
async def test_request_id_is_replaced_when_malformed(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/api/v1/health", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad
    assert len(response.headers["x-request-id"]) == 32
