"""The network policy for a request, read in a short read session of its own, so a writer's
transaction (on SQLite, the database's write lock) is never held while a URL is resolved or fetched."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mvidarr.network.policy import NetworkPolicy
from mvidarr.network.settings import policy_from_settings
from mvidarr.state import DatabaseDep


async def _policy(db: DatabaseDep) -> NetworkPolicy:
    async with db.reader() as session:
        return await policy_from_settings(session)


PolicyDep = Annotated[NetworkPolicy, Depends(_policy)]
