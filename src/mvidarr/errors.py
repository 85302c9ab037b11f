"""One error hierarchy, rendered once as RFC 9457 `application/problem+json`."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from mvidarr.logs import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("mvidarr.errors")


class ConfigError(Exception):
    """A setting that stops start-up; its message says what is wrong and how to fix it."""


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, e.g. ['body', 'name'].")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:mvidarr:problem:not-found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class MvidarrError(Exception):
    """An expected failure with an HTTP status; subclasses set the status and problem type."""

    status: int = 500
    kind: str = "internal"
    title: str = "Internal error"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}

    def extra(self) -> dict[str, Any]:
        return {}


class BadRequest(MvidarrError):
    status, kind, title = 400, "bad-request", "Bad request"


class Unauthorized(MvidarrError):
    status, kind, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="mvidarr"'})


class Forbidden(MvidarrError):
    status, kind, title = 403, "forbidden", "Not allowed"


class NotFound(MvidarrError):
    status, kind, title = 404, "not-found", "Not found"


class VideoNotFound(NotFound):
    def __init__(self, video_id: int) -> None:
        super().__init__(f"video {video_id} does not exist")


class ArtistNotFound(NotFound):
    def __init__(self, artist_id: int) -> None:
        super().__init__(f"artist {artist_id} does not exist")


class Conflict(MvidarrError):
    status, kind, title = 409, "conflict", "Conflict"


class PayloadTooLarge(MvidarrError):
    status, kind, title = 413, "payload-too-large", "Payload too large"


# Error types for rules a JSON Schema cannot state. A request the OpenAPI document allows is refused
# with a 422 only by errors of these types (tests/conformance holds the API to that):
REFERENCE = "reference"  # a row the request names does not exist
CONFLICT = "conflict"  # fields that exclude, require or bound each other (send a or b; min <= max)
CONTENT = "content"  # a value judged by its meaning: a file's contents, a template's syntax, a contrast
RULE_TYPES = (REFERENCE, CONFLICT, CONTENT)
VALIDATION_DESCRIPTION = (
    "The request failed validation; `errors` lists each field. Besides the constraints this document "
    "states, a request can break a rule no schema states: such errors have the type `reference` (a row it "
    "names does not exist), `conflict` (fields that exclude, require or bound each other) or `content` (a "
    "value judged by its meaning, e.g. a file's contents or a template's syntax)."
)


class InvalidInput(MvidarrError):
    """A 422 raised by a service for input that passed schema validation but is still wrong."""

    status, kind, title = 422, "validation", "Invalid request"

    def __init__(self, detail: str, *, loc: Sequence[str | int] = (), type_: str = "value_error") -> None:
        super().__init__(detail)
        self.errors = [FieldError(loc=list(loc), msg=detail, type=type_)] if loc else []

    def extra(self) -> dict[str, Any]:
        return {"errors": [e.model_dump() for e in self.errors]} if self.errors else {}


class TooManyRequests(MvidarrError):
    status, kind, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})


class ServiceUnavailable(MvidarrError):
    status, kind, title = 503, "unavailable", "Service unavailable"


_HTTP_KINDS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    416: ("range-not-satisfiable", "Range not satisfiable"),
    422: ("validation", "Invalid request"),
    429: ("too-many-requests", "Too many requests"),
}


def problem_response(
    request: Request | None,
    *,
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:mvidarr:problem:{kind}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    request_id = current_request_id()
    if request_id is None and request is not None:
        request_id = request.scope.get("state", {}).get("request_id")
    body["request_id"] = request_id
    body.update(extra)
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _loc(loc: Sequence[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def _validation_message(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    where = ".".join(loc)
    return f"{where}: {error['msg']}" if where else str(error["msg"])


async def _on_mvidarr_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MvidarrError)
    return problem_response(
        request,
        status=exc.status,
        kind=exc.kind,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extra(),
    )


AccessCheck = Callable[[Request], Awaitable[None]]


async def _on_validation_error(request: Request, exc: Exception, access_check: AccessCheck | None = None) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in raw):
        # FastAPI parses the body before the route's dependencies run: check access first, so an
        # anonymous or under-privileged caller learns nothing from a malformed body but 401/403.
        if access_check is not None:
            try:
                await access_check(request)
            except MvidarrError as denied:
                return await _on_mvidarr_error(request, denied)
        return problem_response(
            request,
            status=400,
            kind="malformed-json",
            title="Malformed JSON",
            detail="The request body is not valid JSON.",
        )
    errors = [{"loc": _loc(e.get("loc", ())), "msg": str(e["msg"]), "type": str(e["type"])} for e in raw]
    detail = "; ".join(_validation_message(e) for e in raw[:3])
    return problem_response(
        request, status=422, kind="validation", title="Invalid request", detail=detail, errors=errors
    )


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind, title = _HTTP_KINDS.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        request,
        status=exc.status_code,
        kind=kind,
        title=title,
        detail=detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _on_integrity_error(request: Request, exc: Exception) -> Response:
    # Two requests that check a unique name, then both insert it: the second one's insert is refused
    # by the database. That is the same conflict the check reports, not a crash.
    log.info("integrity conflict on %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0])
    return problem_response(
        request,
        status=409,
        kind="conflict",
        title="Conflict",
        detail="The change conflicts with one saved at the same moment (e.g. the same name); reload and retry.",
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    log.exception("unhandled error on %s %s", request.method, request.url.path, extra={"request_id": request_id})
    return problem_response(
        request,
        status=500,
        kind="internal",
        title="Internal error",
        detail="An unexpected error occurred; quote the request id when reporting it.",
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install_error_handlers(app: FastAPI, access_check: AccessCheck | None = None) -> None:
    """`access_check` runs the matched route's access rule (a malformed body answers 401/403 first)."""
    app.add_exception_handler(MvidarrError, _on_mvidarr_error)
    app.add_exception_handler(
        RequestValidationError, functools.partial(_on_validation_error, access_check=access_check)
    )
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(Exception, _on_unexpected)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem statuses an operation can return."""
    descriptions = {
        400: "Malformed request (e.g. invalid JSON).",
        401: "Missing or invalid credentials.",
        403: "The caller's role does not allow this.",
        404: "The resource does not exist.",
        409: "The request conflicts with the current state.",
        413: "The request body is too large.",
        416: "The requested range lies outside the file.",
        422: VALIDATION_DESCRIPTION,
        429: "Too many requests; retry after `Retry-After` seconds.",
        502: "A remote source or service the request names failed or did not answer.",
        503: "A dependency is unavailable.",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Error."),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
