"""Bench only: MVidarr with every access rule answered by a fixed admin, to measure what
authentication costs (`bench.run` compares it with the real app in the same run).

Never shipped as a setting: it exists only in bench/, started with
`python -m uvicorn bench.noauth_app:create_app --factory`.
"""

from __future__ import annotations

from fastapi import FastAPI

from mvidarr.app import create_app as create_mvidarr_app
from mvidarr.auth import dependencies
from mvidarr.auth.guard import Principal
from mvidarr.models.user import Role

_ADMIN = Principal(user_id=1, username="bench", role=Role.ADMIN, via="bearer", session_id="0" * 32)


async def _admin() -> Principal:
    return _ADMIN


def create_app() -> FastAPI:
    app = create_mvidarr_app()
    for rule in (*dependencies._RULES.values(), dependencies.optional_identity):
        app.dependency_overrides[rule] = _admin
    return app


def create_authenticated_app() -> FastAPI:
    """The real app, started by the same command as `create_app` so the two compare fairly."""
    return create_mvidarr_app()
