"""Request body size cap, enforced while the body streams in."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mvidarr.errors import PayloadTooLarge


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        too_large = f"request body over {limit} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    scope.setdefault("state", {})["body_too_large"] = too_large
                break
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if scope.get("state", {}).get("body_too_large"):
                raise PayloadTooLarge(too_large)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(too_large)
            return message

        await self.app(scope, limited_receive, send)
