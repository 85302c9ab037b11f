"""The outbound-network policy in force, read from the runtime settings.

Apart from `network.policy` because the settings service checks outbound URLs with that module's
policy: the policy itself must not import the settings (an import cycle, decision 0047).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.network.policy import NetworkPolicy, Resolver
from mvidarr.settings import registry
from mvidarr.settings import service as runtime_settings


async def policy_from_settings(session: AsyncSession, resolver: Resolver | None = None) -> NetworkPolicy:
    """The policy in force: the `network.allowed_private_hosts` runtime setting."""
    entries = await runtime_settings.get(session, registry.ALLOWED_PRIVATE_HOSTS)
    return NetworkPolicy.allowing(entries or (), resolver)
