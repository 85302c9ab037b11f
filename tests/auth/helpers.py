"""Sign-in helpers for the auth tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import TEST_PASSWORD


async def login(
    client: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD, **extra: Any
) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password, **extra})


async def tokens(
    client: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD, **extra: Any
) -> dict[str, Any]:
    response = await login(client, username, password, **extra)
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
