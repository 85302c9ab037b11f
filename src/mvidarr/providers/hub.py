"""The providers of one process: shared HTTP connection pool, limiter and breaker per provider,
settings read from the database (so edits apply without a restart), and client construction."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mvidarr import __version__
from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.providers import repository
from mvidarr.providers.base import ProviderClient
from mvidarr.providers.clients import CLIENTS
from mvidarr.providers.errors import ProviderError, ProviderNotConfigured
from mvidarr.providers.limits import BreakerPolicy, CircuitBreaker
from mvidarr.providers.models import PROVIDER_NAMES, Capability, ProviderName, ProviderState, ProviderStatus
from mvidarr.providers.settings import DEFAULTS, LABELS, ProviderConfig, load_configs
from mvidarr.providers.upstream import ProviderRuntime, RetryPolicy, Upstream

if TYPE_CHECKING:
    import httpx

PROJECT_URL = "https://github.com/mvidarr/mvidarr"
log = logging.getLogger("mvidarr.providers")
SUCCESS_SAVE_EVERY_S = 60.0


class ProviderHub:
    """Build once per process (`provider_hub()`); ask it for clients with `client()` / `clients()`."""

    def __init__(
        self,
        db: Database,
        sealer: Sealer | None,
        *,
        retry: RetryPolicy | None = None,
        breaker: BreakerPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        config_ttl_s: float = 2.0,
    ) -> None:
        self.db = db
        self.sealer = sealer
        self.retry = retry or RetryPolicy()
        self.breaker_policy = breaker or BreakerPolicy()
        self.config_ttl_s = config_ttl_s
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self.runtimes: dict[ProviderName, ProviderRuntime] = {
            name: ProviderRuntime(name=name, breaker=CircuitBreaker(self.breaker_policy)) for name in PROVIDER_NAMES
        }
        self._configs: dict[ProviderName, ProviderConfig] | None = None
        self._configs_at = 0.0
        self._saved_success: dict[str, float] = {}
        self.pictures_stored = 0
        """Pictures the image proxy stored through this hub; every `image_proxy.PRUNE_EVERY` it prunes the cache."""

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared client, made on first use (httpx then loads; a server that never asks a
        provider does without it)."""
        if self._http is None:
            import httpx

            self._http = httpx.AsyncClient(
                transport=self._transport,
                follow_redirects=True,
                max_redirects=5,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            )
        return self._http

    async def aclose(self) -> None:
        await self.save_counts()
        if self._http is not None:
            await self._http.aclose()

    async def save_counts(self) -> None:
        """Add the requests and errors not yet saved (successes are saved at most once a minute)
        to the shared counters that `/metrics` reads."""
        deltas = {name: (r.requests - r.saved_requests, r.errors - r.saved_errors) for name, r in self.runtimes.items()}
        deltas = {name: d for name, d in deltas.items() if d != (0, 0)}
        if not deltas:
            return
        for name, (requests, errors) in deltas.items():
            self.runtimes[name].saved_requests += requests
            self.runtimes[name].saved_errors += errors
        try:
            async with self.db.writer() as session:
                for name, (requests, errors) in deltas.items():
                    await repository.add_counts(session, name, requests=requests, errors=errors)
                await session.commit()
        except Exception:
            log.warning("could not save provider request counts", exc_info=True)
            for name, (requests, errors) in deltas.items():
                self.runtimes[name].saved_requests -= requests
                self.runtimes[name].saved_errors -= errors

    def user_agent(self, config: ProviderConfig) -> str:
        contact = config.extra.get("contact") or PROJECT_URL
        return f"MVidarr/{__version__} ( {contact} )"

    def persist_successes(self, name: str) -> bool:
        now = time.monotonic()
        if now - self._saved_success.get(name, -SUCCESS_SAVE_EVERY_S) >= SUCCESS_SAVE_EVERY_S:
            self._saved_success[name] = now
            return True
        return False

    def invalidate(self) -> None:
        """Forget the cached settings (after they were edited)."""
        self._configs = None

    async def configs(self) -> dict[ProviderName, ProviderConfig]:
        if self._configs is None or time.monotonic() - self._configs_at > self.config_ttl_s:
            async with self.db.reader() as session:
                self._configs = await load_configs(session, self.sealer)
            self._configs_at = time.monotonic()
        return self._configs

    async def client(self, name: ProviderName) -> ProviderClient:
        """The client of one provider; ProviderNotConfigured when it is disabled or lacks credentials."""
        config = (await self.configs())[name]
        if not config.enabled:
            raise ProviderNotConfigured(name, f"disabled (providers.{name}.enabled)")
        if not config.configured:
            needed = ", ".join(f"providers.{name}.{c}" for c in DEFAULTS[name].credentials)
            raise ProviderNotConfigured(name, f"needs {needed}")
        return CLIENTS[name](Upstream(self, config, self.runtimes[name]))

    async def clients(self, capability: Capability | None = None) -> list[ProviderClient]:
        """Every enabled, configured client (with `capability` when given), in provider order."""
        configs = await self.configs()
        return [
            CLIENTS[name](Upstream(self, config, self.runtimes[name]))
            for name, config in configs.items()
            if config.enabled and config.configured and (capability is None or capability in CLIENTS[name].capabilities)
        ]

    async def test(self, name: ProviderName) -> str:
        """One real call with the current settings; raises the ProviderError that explains a failure."""
        self.invalidate()
        client = await self.client(name)
        return await client.check()

    async def statuses(self) -> list[ProviderStatus]:
        configs = await self.configs()
        async with self.db.reader() as session:
            saved = await repository.states(session)
        now = time.time()
        result = []
        for name in PROVIDER_NAMES:
            config, runtime = configs[name], self.runtimes[name]
            breaker = runtime.breaker
            row = saved.get(name)
            if row is not None:
                breaker.adopt(row.open_until, now)
            last_error, last_error_at = runtime.last_error, runtime.last_error_at
            if row is not None and row.last_error_at is not None:
                saved_at = row.last_error_at.timestamp()
                if last_error_at is None or saved_at > last_error_at:
                    last_error, last_error_at = row.last_error, saved_at
            last_success_at = runtime.last_success_at
            if row is not None and row.last_success_at is not None:
                last_success_at = max(last_success_at or 0.0, row.last_success_at.timestamp())
            state: ProviderState
            breaker_state = breaker.state(now)
            failures = max(breaker.failures, row.consecutive_failures if row is not None else 0)
            if not config.enabled:
                state = "disabled"
            elif not config.configured:
                state = "unconfigured"
            elif breaker_state == "open":
                state = "down"
            elif failures > 0 or (last_error_at is not None and (last_success_at or 0) < last_error_at):
                state = "degraded"
            else:
                state = "ok"
            result.append(
                ProviderStatus(
                    name=name,
                    label=LABELS[name],
                    enabled=config.enabled,
                    configured=config.configured,
                    state=state,
                    breaker=breaker_state,
                    consecutive_failures=failures,
                    open_until=breaker.open_until if breaker_state != "closed" else None,
                    last_error=last_error,
                    last_error_at=last_error_at,
                    last_success_at=last_success_at,
                    rate_limit_per_s=config.rate_limit_per_s,
                    requests=runtime.requests,
                    cache_hits=runtime.cache_hits,
                    quota_remaining=runtime.quota_remaining,
                )
            )
        return result


@asynccontextmanager
async def provider_hub(
    db: Database, settings: Settings | None = None, *, sealer: Sealer | None = None, **options: object
) -> AsyncIterator[ProviderHub]:
    """Build a provider hub and close it on exit; whoever needs it is handed it (decision 0047)."""
    if sealer is None and settings is not None:
        sealer = Sealer.from_secret(settings.resolve_secret_key())
    hub = ProviderHub(db, sealer, **options)  # type: ignore[arg-type]
    try:
        yield hub
    finally:
        await hub.aclose()


__all__ = ["ProviderError", "ProviderHub", "provider_hub"]
