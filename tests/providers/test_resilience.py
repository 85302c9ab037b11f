"""The HTTP core against a misbehaving fake: retries, Retry-After, cache, stale-if-error, breaker,
rate limit, and answers that are not what the provider documents."""

from __future__ import annotations

import itertools
import time
from typing import Any

import anyio
import pytest
from sqlalchemy import func, select

from mvidarr.models import ProviderCacheEntry
from mvidarr.providers import repository
from mvidarr.providers.errors import ProviderBadResponse, ProviderNotFound, ProviderUnavailable
from mvidarr.providers.hub import ProviderHub, provider_hub
from mvidarr.providers.models import ProviderName
from mvidarr.providers.upstream import RetryPolicy, retry_after_seconds
from tests.fakes.catalog import ARTISTS
from tests.fakes.fixtures import FAST_BREAKER, FAST_RETRY, TEST_SEALER, point_providers_at
from tests.fakes.upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio
DAFT_PUNK = ARTISTS[0]


async def _cache_rows(hub: ProviderHub) -> int:
    async with hub.db.reader() as session:
        return int((await session.execute(select(func.count()).select_from(ProviderCacheEntry))).scalar_one())


async def _end_pause(hub: ProviderHub, name: ProviderName) -> None:
    """Skip to the end of a breaker's pause, here and in `provider_state` (read on PostgreSQL)."""
    breaker = hub.runtimes[name].breaker
    breaker.open_until = time.time() - 1
    async with hub.db.writer() as session:
        await repository.record_outcome(
            session, name, failures=breaker.failures, open_until=breaker.open_until, error="paused in test"
        )
        await session.commit()


async def test_second_call_is_served_from_the_cache(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    imvdb = await provider_hub_on_fake.client("imvdb")
    first = await imvdb.get_video("5001")
    second = await imvdb.get_video("5001")
    assert first == second
    assert len(fake_upstream.sent("imvdb")) == 1
    assert await _cache_rows(provider_hub_on_fake) == 1
    async with provider_hub_on_fake.db.reader() as session:
        entry = (await session.execute(select(ProviderCacheEntry))).scalar_one()
    assert entry.provider == "imvdb"
    assert entry.status == 200
    assert "imvdb-test-key" not in entry.request
    assert (entry.expires_at - entry.fetched_at).days == 7  # lookups stay a week
    status = {s.name: s for s in await provider_hub_on_fake.statuses()}["imvdb"]
    assert (status.requests, status.cache_hits) == (1, 1)


async def test_secret_in_path_is_not_stored(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    audiodb = await provider_hub_on_fake.client("theaudiodb")
    await audiodb.search_artists("Daft Punk")
    async with provider_hub_on_fake.db.reader() as session:
        entry = (await session.execute(select(ProviderCacheEntry))).scalar_one()
    assert entry.request.startswith("GET /***/search.php")


async def test_not_found_is_remembered(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    imvdb = await provider_hub_on_fake.client("imvdb")
    for _ in range(2):
        with pytest.raises(ProviderNotFound):
            await imvdb.get_video("424242")
    assert len(fake_upstream.sent("imvdb")) == 1


async def test_429_waits_for_retry_after_then_succeeds(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("wikidata", Reply(429, {"error": "slow down"}, {"Retry-After": "1"}))
    wikidata = await provider_hub_on_fake.client("wikidata")
    started = time.monotonic()
    artist = await wikidata.get_artist(DAFT_PUNK.wikidata_id)
    elapsed = time.monotonic() - started
    assert artist.name == "Daft Punk"
    sent = fake_upstream.sent("wikidata")
    assert len(sent) == 2
    assert sent[1].at - sent[0].at >= 0.95, "the retry did not wait for Retry-After"
    assert elapsed < 3


async def test_500s_are_retried_with_backoff(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    fake_upstream.script("wikipedia", Reply(500, {"e": 1}), Reply(503, {"e": 2}))
    wikipedia = await provider_hub_on_fake.client("wikipedia")
    page = await wikipedia.get_artist("Daft Punk")
    assert page.biography == DAFT_PUNK.biography
    assert len(fake_upstream.sent("wikipedia")) == 3


async def test_retry_after_longer_than_allowed_gives_up_at_once(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.script("wikidata", Reply(429, {"e": 1}, {"Retry-After": "3600"}))
    wikidata = await provider_hub_on_fake.client("wikidata")
    with pytest.raises(ProviderUnavailable) as caught:
        await wikidata.get_artist(DAFT_PUNK.wikidata_id)
    assert caught.value.retry_after_s == 3600
    assert caught.value.headers["Retry-After"] == "3600"
    assert len(fake_upstream.sent("wikidata")) == 1


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("html", "HTML instead of JSON"),
        ("malformed", "malformed JSON"),
        ("wrong_types", "unexpected answer shape"),
    ],
)
async def test_bad_answers_become_provider_errors(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream, mode: str, message: str
) -> None:
    fake_upstream.set("imvdb", mode=mode)
    imvdb = await provider_hub_on_fake.client("imvdb")
    with pytest.raises(ProviderBadResponse, match=message):
        await imvdb.search_videos("Daft Punk")
    assert len(fake_upstream.sent("imvdb")) == 1  # garbage is not retried
    assert await _cache_rows(provider_hub_on_fake) == 0


@pytest.mark.parametrize("declared", [True, False])
async def test_huge_answers_are_cut_off(db: object, fake_upstream: FakeUpstream, declared: bool) -> None:
    from mvidarr.db import Database

    assert isinstance(db, Database)
    await point_providers_at(db, fake_upstream, TEST_SEALER)
    fake_upstream.set("imvdb", mode="huge", huge_declared=declared, huge_bytes=1024 * 1024)
    policy = RetryPolicy(attempts=2, backoff_s=0.01, max_body_bytes=64 * 1024)
    async with provider_hub(db, sealer=TEST_SEALER, retry=policy) as hub:
        imvdb = await hub.client("imvdb")
        with pytest.raises(ProviderBadResponse, match="byte cap"):
            await imvdb.search_videos("Daft Punk")


async def test_timeouts_are_retried_then_reported(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    await point_providers_at(
        provider_hub_on_fake.db, fake_upstream, TEST_SEALER, **{"providers.wikipedia.timeout_s": 1}
    )
    provider_hub_on_fake.invalidate()
    fake_upstream.set("wikipedia", mode="timeout", timeout_s=3)
    wikipedia = await provider_hub_on_fake.client("wikipedia")
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="no answer within 1 s"):
        await wikipedia.get_artist("Daft Punk")
    assert len(fake_upstream.sent("wikipedia")) == FAST_RETRY.attempts
    assert time.monotonic() - started < FAST_RETRY.attempts * 1 + 1.5


async def test_stale_answer_served_when_provider_is_down(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    await point_providers_at(
        provider_hub_on_fake.db, fake_upstream, TEST_SEALER, **{"providers.cache_ttl_scale": 0.000001}
    )
    provider_hub_on_fake.invalidate()
    mb = await provider_hub_on_fake.client("musicbrainz")
    fresh = await mb.get_artist(DAFT_PUNK.mbid)  # cached for well under a second
    await anyio.sleep(1.1)
    fake_upstream.set("musicbrainz", mode="500")
    stale = await mb.get_artist(DAFT_PUNK.mbid)
    assert stale == fresh
    assert len(fake_upstream.sent("musicbrainz")) == 1 + FAST_RETRY.attempts  # it did try again first
    fake_upstream.set("musicbrainz", mode="html")
    assert await mb.get_artist(DAFT_PUNK.mbid) == fresh  # garbage counts as down too


async def test_breaker_opens_after_repeated_failures_and_closes_after_a_good_trial(
    provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.set("wikidata", mode="500")
    wikidata = await provider_hub_on_fake.client("wikidata")
    for _ in range(FAST_BREAKER.failure_threshold):
        with pytest.raises(ProviderUnavailable, match="server error 500"):
            await wikidata.search_artists(f"query {_}")
    sent = len(fake_upstream.sent("wikidata"))
    assert sent == FAST_BREAKER.failure_threshold * FAST_RETRY.attempts
    with pytest.raises(ProviderUnavailable, match="paused after repeated failures"):
        await wikidata.search_artists("another")
    assert len(fake_upstream.sent("wikidata")) == sent  # paused: nothing sent
    status = {s.name: s for s in await provider_hub_on_fake.statuses()}["wikidata"]
    assert (status.state, status.breaker, status.consecutive_failures) == ("down", "open", 3)
    assert "server error 500" in (status.last_error or "")
    # The pause ends: one trial call goes out, succeeds, and the breaker closes.
    await _end_pause(provider_hub_on_fake, "wikidata")
    fake_upstream.set("wikidata", mode="ok")
    [found] = await wikidata.search_artists("Daft Punk")
    assert found.provider_id == DAFT_PUNK.wikidata_id
    status = {s.name: s for s in await provider_hub_on_fake.statuses()}["wikidata"]
    assert (status.state, status.breaker) == ("ok", "closed")


async def test_failed_trial_reopens_for_longer(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    breaker = provider_hub_on_fake.runtimes["wikidata"].breaker
    for _ in range(FAST_BREAKER.failure_threshold):
        breaker.failure()
    first_pause = (breaker.open_until or 0) - time.time()
    await _end_pause(provider_hub_on_fake, "wikidata")
    fake_upstream.set("wikidata", mode="500")
    wikidata = await provider_hub_on_fake.client("wikidata")
    with pytest.raises(ProviderUnavailable):
        await wikidata.search_artists("Daft Punk")
    assert (breaker.open_until or 0) - time.time() > first_pause * 1.5


async def test_rate_limit_spaces_requests(provider_hub_on_fake: ProviderHub, fake_upstream: FakeUpstream) -> None:
    mb = await provider_hub_on_fake.client("musicbrainz")  # 1 request per second
    for artist in ARTISTS:
        await mb.get_artist(artist.mbid)
    sent = fake_upstream.sent("musicbrainz")
    assert len(sent) == 3
    # Slots are 1 s apart; a request may reach the fake late (a loaded machine), never early. Judged
    # over every window: k+1 requests never come within less than k slots, less the lateness one
    # request can have (0.5 s: a broken limiter sends them all at once, well inside that).
    at = [request.at for request in sent]
    for i, j in itertools.combinations(range(len(at)), 2):
        assert at[j] - at[i] >= (j - i) * 1.0 - 0.5, (i, j, at)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


async def test_an_unreachable_provider_is_said_in_plain_words_once_named(db: Any) -> None:
    """A host that cannot be looked up reads "the network is unreachable", not an errno, and the
    provider's name appears once in the problem and not at all in the bare reason."""
    values = {"providers.wikidata.base_url": "http://unresolvable.invalid", "providers.wikidata.timeout_s": 2}
    async with db.writer() as session:
        from mvidarr.settings import service as settings_service

        await settings_service.update_settings(session, values, sealer=TEST_SEALER)
        await session.commit()
    async with provider_hub(db, sealer=TEST_SEALER, retry=FAST_RETRY, breaker=FAST_BREAKER) as hub:
        client = await hub.client("wikidata")
        with pytest.raises(ProviderUnavailable) as raised:
            await client.search_artists("Daft Punk")
    error = raised.value
    assert error.reason.startswith("the network is unreachable"), error.reason
    assert "Errno" not in str(error)
    assert str(error).count("wikidata") == 1
    assert "wikidata" not in error.reason
