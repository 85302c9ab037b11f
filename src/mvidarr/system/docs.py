"""The OpenAPI document and the Swagger UI page, both public.

Swagger UI is served by us (vendored from the npm registry under web/static/vendor/swagger-ui, with
its licence), started by our own script file, so the page needs no CDN and no inline script. Its
policy differs from the app's only in allowing inline styles, which Swagger UI sets from script
and which cannot run code (docs/decisions/0008-identity-and-access.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from mvidarr.auth.dependencies import PUBLIC

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/docs"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MVidarr API</title>
<link rel="icon" href="{favicon}" type="image/svg+xml">
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_PATH, dependencies=[PUBLIC])
async def openapi_document(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.openapi()
    return JSONResponse(document)


@router.get(DOCS_PATH, dependencies=[PUBLIC])
async def docs_page(request: Request) -> HTMLResponse:
    url = request.app.state.web_assets.url
    page = _PAGE.format(
        favicon=url("img/favicon.svg"),
        css=url("vendor/swagger-ui/swagger-ui.css"),
        bundle=url("vendor/swagger-ui/swagger-ui-bundle.js"),
        start=url("js/api-docs.js"),
        openapi=OPENAPI_PATH,
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"})
