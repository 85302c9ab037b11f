"""On PostgreSQL, processes share the rate limit and the circuit breaker through `provider_state`.
Two hubs with their own engines stand in for two processes."""

from __future__ import annotations

import itertools

import anyio
import pytest

from mvidarr.db import Database
from mvidarr.providers.errors import ProviderUnavailable
from mvidarr.providers.hub import provider_hub
from tests.conftest import DatabaseTarget
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import FAST_BREAKER, FAST_RETRY, TEST_SEALER, point_providers_at
from tests.fakes.upstream import FakeUpstream

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]
JITTER_S = 0.22  # how late a request may reach the fake on a loaded machine; less than one slot


async def test_two_processes_share_one_rate_limit(
    db: Database, database_target: DatabaseTarget, fake_upstream: FakeUpstream
) -> None:
    await point_providers_at(db, fake_upstream, TEST_SEALER, **{"providers.wikidata.rate_limit_per_s": 4})
    other = database_target.connect(pool_size=2)
    try:
        async with (
            provider_hub(db, sealer=TEST_SEALER, retry=FAST_RETRY) as first,
            provider_hub(other, sealer=TEST_SEALER, retry=FAST_RETRY) as second,
        ):
            clients = [await first.client("wikidata"), await second.client("wikidata")]
            async with anyio.create_task_group() as group:
                for i in range(8):
                    group.start_soon(clients[i % 2].search_artists, f"query {i}")
    finally:
        await other.dispose()
    sent = sorted(r.at for r in fake_upstream.sent("wikidata"))
    assert len(sent) == 8
    # 4/s over both "processes": slots 0.25 s apart. Arrival at the fake adds jitter (a request can
    # land late, never before its slot), so judge windows, not single gaps: no k+1 requests
    # within less than k slots, less a jitter allowance.
    for i, j in itertools.combinations(range(len(sent)), 2):
        assert sent[j] - sent[i] >= (j - i) * 0.25 - JITTER_S, (i, j, sent)
    # (The pair first-last is the whole run: 8 requests span at least 7 slots, less the same allowance
    # for a late first request; a bare `>= 7 slots` failed on a busy 2-core machine.)


async def test_a_breaker_opened_by_one_process_pauses_the_other(
    db: Database, database_target: DatabaseTarget, fake_upstream: FakeUpstream
) -> None:
    await point_providers_at(db, fake_upstream, TEST_SEALER)
    other = database_target.connect(pool_size=2)
    fake_upstream.set("wikidata", mode="500")
    try:
        async with (
            provider_hub(db, sealer=TEST_SEALER, retry=FAST_RETRY, breaker=FAST_BREAKER) as first,
            provider_hub(other, sealer=TEST_SEALER, retry=FAST_RETRY, breaker=FAST_BREAKER) as second,
        ):
            failing = await first.client("wikidata")
            for i in range(FAST_BREAKER.failure_threshold):
                with pytest.raises(ProviderUnavailable, match="server error"):
                    await failing.get_artist(ARTISTS[i].wikidata_id)
            sent = len(fake_upstream.sent("wikidata"))
            fake_upstream.set("wikidata", mode="ok")
            paused = await second.client("wikidata")
            with pytest.raises(ProviderUnavailable, match="paused"):
                await paused.search_artists("Daft Punk")
            # The slot was reserved (one DB round trip) but nothing went upstream.
            assert len(fake_upstream.sent("wikidata")) == sent
            status = {s.name: s for s in await second.statuses()}["wikidata"]
            assert status.state == "down"
            assert "server error 500" in (status.last_error or "")
    finally:
        await other.dispose()
