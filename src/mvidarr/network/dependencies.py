"""The network policy for a request, read in a short read session of its own, so a writer's
transaction (on SQLite, the database's write lock) is never held while a URL is resolved or fetched."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mvidarr.db import Database
from mvidarr.network.policy import NetworkPolicy, policy_from_settings


async def _policy(request: Request) -> NetworkPolicy:
    db: Database = request.app.state.db
    async with db.reader() as session:
        return await policy_from_settings(session)


PolicyDep = Annotated[NetworkPolicy, Depends(_policy)]
