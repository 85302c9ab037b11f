"""The OpenAPI document and the Swagger UI page, both public.

Swagger UI comes from its CDN and starts with one inline script; the page gets its own
Content-Security-Policy that allows that CDN and exactly that script (by hash), while every
other response keeps the strict policy (docs/decisions/0008-identity-and-access.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from mvidarr.auth.dependencies import PUBLIC

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/docs"
CDN = "https://cdn.jsdelivr.net"

router = APIRouter(include_in_schema=False)


def _docs_page() -> tuple[bytes, str]:
    page = bytes(get_swagger_ui_html(openapi_url=OPENAPI_PATH, title="MVidarr API").body)
    inline = re.findall(rb"<script>(.*?)</script>", page, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline)
    policy = (
        f"default-src 'none'; script-src {CDN} {hashes}; "
        # Swagger UI sets style attributes from script; styles cannot run code.
        f"style-src {CDN} 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return page, policy


DOCS_HTML, DOCS_POLICY = _docs_page()


@router.get(OPENAPI_PATH, dependencies=[PUBLIC])
async def openapi_document(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.openapi()
    return JSONResponse(document)


@router.get(DOCS_PATH, dependencies=[PUBLIC])
async def docs_page() -> HTMLResponse:
    return HTMLResponse(DOCS_HTML, headers={"Content-Security-Policy": DOCS_POLICY})
