"""The API routes the app lists at its top level (`app._add_api_routes`, decision 0051) are the
domain routers' routes, copied and prefixed: each copy must be what FastAPI itself builds for the
prefixed path, so a FastAPI upgrade that derives something new from a route's path fails here."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Match

from mvidarr.app import API_PREFIX, API_ROUTERS, _add_api_routes, create_app
from mvidarr.config import Settings

# Made by FastAPI from what the route was declared with: shared with the router's route (the point
# of copying), so compared by identity rather than by value. The models of the response and body
# fields are named after the route's id at the time (`Response_list_themes_themes_get`): only the
# titles of anonymous schemas in the OpenAPI document differ from a rebuilt route (decision 0051).
SHARED = {"dependant", "_flat_dependant", "_embed_body_fields", "app", "endpoint"}
SHARED |= {"body_field", "response_field", "response_fields"}


def _app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/routes.db"))


def _declared_with(route: APIRoute) -> dict[str, Any]:
    """The arguments `route` was built with, read back from it (every APIRoute argument is kept)."""
    names = [n for n in inspect.signature(APIRoute.__init__).parameters if n not in ("self", "path", "endpoint")]
    missing = [n for n in names if not hasattr(route, n)]
    assert not missing, f"APIRoute no longer keeps {missing}: the copy cannot be checked against a rebuilt route"
    return {n: getattr(route, n) for n in names}


def _comparable(value: Any) -> Any:
    return value.pattern if isinstance(value, re.Pattern) else value


def test_every_router_route_is_on_the_app_once_with_its_prefix(tmp_path: Path) -> None:
    app = _app(tmp_path)
    listed = [r for r in app.routes if isinstance(r, APIRoute | APIWebSocketRoute)]
    expected = [r for router in API_ROUTERS for r in router.routes]
    api = [r for r in listed if r.path.startswith(API_PREFIX)]
    assert [(r.path, r.endpoint) for r in api] == [(API_PREFIX + r.path, r.endpoint) for r in expected]


def test_a_copy_is_what_fastapi_builds_for_the_prefixed_path(tmp_path: Path) -> None:
    app = _app(tmp_path)
    copies = {(r.endpoint, frozenset(r.methods or ())): r for r in app.routes if isinstance(r, APIRoute)}
    checked = 0
    for router in API_ROUTERS:
        for original in router.routes:
            if not isinstance(original, APIRoute):
                continue
            copy = copies[(original.endpoint, frozenset(original.methods))]
            built = APIRoute(API_PREFIX + original.path, original.endpoint, **_declared_with(original))
            assert set(vars(copy)) == set(vars(built)), original.path
            for name, value in vars(built).items():
                if name in SHARED:
                    assert getattr(copy, name) is getattr(original, name), (original.path, name)
                else:
                    assert _comparable(getattr(copy, name)) == _comparable(value), (original.path, name)
            checked += 1
    assert checked > 150


def test_a_copy_matches_requests_as_the_built_route_does(tmp_path: Path) -> None:
    app = _app(tmp_path)
    scope = {"type": "http", "method": "GET", "path": f"{API_PREFIX}/videos/42", "root_path": ""}
    matched = [r for r in app.routes if isinstance(r, APIRoute) and r.matches(scope)[0] is Match.FULL]
    assert [(r.path, r.matches(scope)[1]["path_params"]) for r in matched] == [
        (f"{API_PREFIX}/videos/{{video_id}}", {"video_id": "42"})
    ]


def test_a_nested_router_is_refused() -> None:
    outer, inner = APIRouter(), APIRouter()
    inner.add_api_route("/x", lambda: None)
    outer.include_router(inner)
    with pytest.raises(TypeError, match="add its routes to the router itself"):
        _add_api_routes(FastAPI(), outer)
