"""The provider caller of one unit of enrichment work: a provider's failure is recorded, never
raised, and a provider that failed once is not waited on again in the same unit."""

from __future__ import annotations

import logging
from typing import cast

import pytest

from mvidarr.metadata.enrich import Asker, Outcome
from mvidarr.providers.errors import (
    ProviderBadResponse,
    ProviderCredentialsError,
    ProviderError,
    ProviderNotFound,
    ProviderUnavailable,
    ProviderUnsupported,
)
from mvidarr.providers.hub import ProviderHub

pytestmark = pytest.mark.anyio


def asker() -> tuple[Asker, Outcome, list[str]]:
    outcome = Outcome()
    notes: list[str] = []

    async def note(message: str) -> None:
        notes.append(message)

    # `ask` never reaches the hub: only `client` does.
    return Asker(cast(ProviderHub, object()), outcome, note), outcome, notes


async def test_an_answer_is_returned_and_the_provider_counts_as_asked() -> None:
    ask, outcome, notes = asker()

    async def answer() -> list[str]:
        return ["found"]

    assert await ask.ask("imvdb", answer) == ["found"]
    assert outcome.asked == {"imvdb"}
    assert outcome.failed_providers == {}
    assert notes == ["calling imvdb"]


@pytest.mark.parametrize("error", [ProviderNotFound("imvdb", "no such video"), ProviderUnsupported("imvdb", "no")])
async def test_not_found_and_unsupported_are_no_answer_not_a_failure(error: ProviderError) -> None:
    ask, outcome, _ = asker()

    async def fails() -> str:
        raise error

    assert await ask.ask("imvdb", fails) is None
    assert outcome.failed_providers == {}
    assert outcome.retryable is False
    # Not a failure: the provider is asked again in the same unit of work.
    assert await ask.ask("imvdb", fails) is None
    assert outcome.asked == {"imvdb"}


async def test_an_unavailable_provider_is_recorded_retryable_and_not_asked_again() -> None:
    ask, outcome, notes = asker()
    calls: list[str] = []

    async def down() -> str:
        calls.append("down")
        raise ProviderUnavailable("musicbrainz", "503 from upstream " + "x" * 400, retry_after_s=5)

    assert await ask.ask("musicbrainz", down) is None
    assert await ask.ask("musicbrainz", down) is None
    assert calls == ["down"]
    assert notes == ["calling musicbrainz"]
    assert outcome.retryable is True
    reason = outcome.failed_providers["musicbrainz"]
    assert reason.startswith("503 from upstream")
    assert len(reason) == 300


async def test_refused_credentials_and_bad_answers_fail_the_provider_without_a_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ask, outcome, _ = asker()

    async def refused() -> str:
        raise ProviderCredentialsError("spotify", "invalid client secret")

    async def garbage() -> str:
        raise ProviderBadResponse("wikidata", "not JSON")

    with caplog.at_level(logging.WARNING, logger="mvidarr.metadata"):
        assert await ask.ask("spotify", refused) is None
        assert await ask.ask("wikidata", garbage) is None
    assert outcome.failed_providers == {"spotify": "invalid client secret", "wikidata": "not JSON"}
    assert outcome.retryable is False
    assert [r.getMessage() for r in caplog.records] == [
        "provider spotify refused the credentials: " + str(ProviderCredentialsError("spotify", "invalid client secret"))
    ]


async def test_an_error_that_is_not_a_providers_is_raised() -> None:
    ask, outcome, _ = asker()

    async def bug() -> str:
        raise KeyError("a bug in the client")

    with pytest.raises(KeyError):
        await ask.ask("imvdb", bug)
    assert outcome.failed_providers == {}
