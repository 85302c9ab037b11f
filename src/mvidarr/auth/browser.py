"""Browser hardening: session cookies, and security headers on every response."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mvidarr.auth.guard import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, Guard
from mvidarr.auth.schemas import TokenResult
from mvidarr.auth.service import Issued

REFRESH_COOKIE_PATH = "/api/v1/auth"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


_NO_STORE = (b"cache-control", b"no-store")


def _no_store(headers: list[tuple[bytes, bytes]]) -> bool:
    """API JSON (tokens, account data, problems) and anything setting a cookie must not be cached; a
    response that chose its own Cache-Control (pictures, streams) keeps it."""
    names = {name.lower() for name, _ in headers}
    if b"cache-control" in names:
        return False
    if b"set-cookie" in names:
        return True
    kind = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    return kind.startswith((b"application/json", b"application/problem+json", b"application/x-ndjson"))


class SecurityHeadersMiddleware:
    """Adds the security headers; a response that sets its own CSP (the API docs page) keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        api = str(scope.get("path", "")).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"content-security-policy" for name, _ in headers):
                    headers.append(_CSP)
                headers.extend(_HEADERS)
                if api and _no_store(headers):
                    headers.append(_NO_STORE)
                if https:
                    headers.append(_HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def deliver(request: Request, response: Response, guard: Guard, issued: Issued) -> TokenResult:
    """Tokens in the body, or (browser sign-in) in httpOnly cookies with a CSRF token in the body."""
    if not issued.cookie:
        return TokenResult(
            token_type="bearer",
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_in=issued.expires_in,
            csrf_token=None,
            must_change_password=issued.must_change_password,
        )
    secure = request.url.scheme == "https"
    refresh_age = int(guard.refresh_ttl.total_seconds())
    response.set_cookie(
        ACCESS_COOKIE, issued.access_token, max_age=issued.expires_in, httponly=True, secure=secure, samesite="lax"
    )
    if issued.refresh_token is not None:
        response.set_cookie(
            REFRESH_COOKIE, issued.refresh_token, max_age=refresh_age, path=REFRESH_COOKIE_PATH,
            httponly=True, secure=secure, samesite="lax",
        )  # fmt: skip
    if issued.csrf_token is not None:
        # Readable by the page's script, which echoes it in X-CSRF-Token.
        response.set_cookie(CSRF_COOKIE, issued.csrf_token, max_age=refresh_age, secure=secure, samesite="lax")
    return TokenResult(
        token_type="cookie",
        access_token=None,
        refresh_token=None,
        expires_in=issued.expires_in,
        csrf_token=issued.csrf_token,
        must_change_password=issued.must_change_password,
    )


def clear_cookies(response: Response) -> None:
    response.delete_cookie(ACCESS_COOKIE, httponly=True, samesite="lax")
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, samesite="lax")


PEER_KEY = "mvidarr.peer"


class ForwardedHeadersMiddleware:
    """Believes X-Forwarded-For/-Proto from MVIDARR_TRUSTED_PROXIES only (uvicorn's own middleware does
    the reading), after keeping the connecting address in the scope: the proxy sign-in must know who
    connected, not who the proxy says the client is (decision 0041)."""

    def __init__(self, app: ASGIApp, trusted: list[str]) -> None:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        self.app = app
        self._forwarded = ProxyHeadersMiddleware(app, trusted_hosts=",".join(trusted))  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            scope[PEER_KEY] = client[0] if client else None
        await self._forwarded(scope, receive, send)  # type: ignore[arg-type]


def connecting_peer(scope: Scope) -> str | None:
    """The address that opened the connection (a proxy's, when one is in front)."""
    if PEER_KEY in scope:
        peer: str | None = scope[PEER_KEY]
        return peer
    client = scope.get("client")
    return str(client[0]) if client else None
