"""The OpenAPI document is complete enough to generate a client from."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


async def test_every_operation_is_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    problems: list[str] = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            for field in ("summary", "description", "tags", "operationId"):
                if not op.get(field):
                    problems.append(f"{where}: no {field}")
            responses = op.get("responses", {})
            success = [s for s in responses if s.startswith("2")]
            # A browser step (single sign-on) succeeds with a redirect that states where it goes.
            redirects = [s for s in responses if s in ("302", "303") and "Location" in responses[s].get("headers", {})]
            if not success and not redirects:
                problems.append(f"{where}: no success response")
            for status in success:
                content = responses[status].get("content", {})
                if status == "204":
                    continue
                if "application/json" in content:
                    if "schema" not in content["application/json"]:
                        problems.append(f"{where}: {status} has no response model")
                elif not content:
                    problems.append(f"{where}: {status} documents no media type")
            errors = [s for s in responses if s[0] in "45"]
            if (op.get("parameters") or op.get("requestBody")) and "422" not in responses:
                problems.append(f"{where}: 422 not documented")
            for status in errors:
                content = responses[status].get("content", {})
                if status != "503" and "application/problem+json" not in content:
                    problems.append(f"{where}: {status} is not a problem document")
    assert not problems, "\n".join(problems)
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.text
