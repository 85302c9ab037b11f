"""Puts each route's access rule into the OpenAPI document: security schemes, and 401/403."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.requests import Request
from starlette.routing import BaseRoute

from mvidarr.auth.dependencies import AccessRule

SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "mvidarr_access"},
}
_MALFORMED = {
    "description": "The body is not valid JSON (answered after the access check).",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
_ANSWERS = {
    "401": "Missing or invalid credentials.",
    "403": "The caller's role does not allow this (or, with cookies, the CSRF header is missing).",
}


def _rules(dependant: Dependant) -> Iterator[AccessRule]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, AccessRule):
            yield dependency.call
        yield from _rules(dependency)


async def check_access(request: Request) -> None:
    """Run the matched route's access rule now (raises Unauthorized/Forbidden); for answers given before
    FastAPI reaches the route's dependencies, such as a body that is not JSON."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if isinstance(dependant, Dependant):
        for rule in _rules(dependant):
            await rule(request)
            return


def routes_of(routes: Sequence[BaseRoute]) -> Iterator[RouteContext]:
    """Every route of the app as served (included routers resolved, prefixes applied)."""
    yield from iter_route_contexts(routes)


def access_rules(route: RouteContext) -> list[AccessRule]:
    """The access rules an HTTP or WebSocket route declares (exactly one for a well-formed route)."""
    dependant = getattr(route, "dependant", None)
    return list(_rules(dependant)) if isinstance(dependant, Dependant) else []


def document_security(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    schema.setdefault("components", {})["securitySchemes"] = SCHEMES
    paths = schema.get("paths", {})
    for route in routes_of(routes):
        if not isinstance(route.original_route, APIRoute) or route.path_format not in paths:
            continue
        rules = access_rules(route)
        rule = rules[0] if rules else None
        for method in route.methods or ():
            operation = paths[route.path_format].get(method.lower())
            if operation is None:
                continue
            if "requestBody" in operation:
                # A body that is not JSON: 400 (after the access check), for every operation with a body.
                operation.setdefault("responses", {}).setdefault("400", _MALFORMED)
            if rule is None or rule.role is None:
                operation["security"] = []
                continue
            operation["security"] = [{name: []} for name in SCHEMES]
            operation["description"] = f"{operation.get('description', '')}\n\nRole: **{rule.role.value}** or above."
            for status, text in _ANSWERS.items():
                operation.setdefault("responses", {}).setdefault(status, {"description": text})
