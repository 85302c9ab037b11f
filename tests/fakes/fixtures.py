"""Pytest fixtures for the fake upstream; import them into a conftest:

from tests.fakes.fixtures import fake_upstream, fake_upstream_server, provider_hub_on_fake  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mvidarr.db import Database
from mvidarr.kit.sealing import Sealer
from mvidarr.providers.hub import ProviderHub, provider_hub
from mvidarr.providers.limits import BreakerPolicy
from mvidarr.providers.upstream import RetryPolicy
from mvidarr.settings import service as settings_service
from tests.fakes.upstream import FakeUpstream, serve

TEST_SEALER = Sealer.from_secret("x" * 40)
FAST_RETRY = RetryPolicy(attempts=3, backoff_s=0.01, max_backoff_s=0.05, max_retry_after_s=5.0)
FAST_BREAKER = BreakerPolicy(failure_threshold=3, open_s=30.0)


@pytest.fixture(scope="session")
def fake_upstream_server() -> Iterator[FakeUpstream]:
    """One fake upstream for the whole run."""
    with serve() as fake:
        yield fake


@pytest.fixture
def fake_upstream(fake_upstream_server: FakeUpstream) -> Iterator[FakeUpstream]:
    """The fake with its knobs and request log reset for this test."""
    fake_upstream_server.reset()
    yield fake_upstream_server
    fake_upstream_server.reset()


async def point_providers_at(db: Database, fake: FakeUpstream, sealer: Sealer, **overrides: Any) -> None:
    """Save runtime settings that send every provider to the fake (secrets sealed as the API does)."""
    values = fake.settings() | overrides
    async with db.writer() as session:
        await settings_service.update_settings(session, values, sealer=sealer)
        await session.commit()


@pytest.fixture
async def provider_hub_on_fake(app: Any, db: Database, fake_upstream: FakeUpstream) -> AsyncIterator[ProviderHub]:
    """A provider hub whose providers all talk to the fake, with fast retries. It is the app's hub
    while the test runs (`app.state.providers`), so endpoints, and runners built after it (list this
    fixture before `runner`), hand it on."""
    await point_providers_at(db, fake_upstream, TEST_SEALER)
    async with provider_hub(db, sealer=TEST_SEALER, retry=FAST_RETRY, breaker=FAST_BREAKER) as hub:
        own = app.state.providers
        app.state.providers = hub
        try:
            yield hub
        finally:
            app.state.providers = own
