"""Joint-looking credits against the fake providers: the labelled set of bands and joint credits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mvidarr.metadata.credits import CreditVerdicts, credited_artists, names_to_ask
from mvidarr.metadata.matching import name_key
from mvidarr.providers.hub import ProviderHub
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio
LABELLED = Path(__file__).parent / "data" / "credits.json"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(LABELLED.read_text(encoding="utf-8"))
    return cases


async def nobody(_name: str) -> bool:
    return False  # an empty library: only the providers can keep a credit whole


async def decide_all(hub: ProviderHub | None, cases: list[dict[str, Any]]) -> tuple[CreditVerdicts, list[Any]]:
    verdicts = CreditVerdicts(hub)
    await verdicts.prepare([c["credit"] for c in cases], nobody)
    decided = [await credited_artists(c["credit"], [], known=nobody, verdicts=verdicts) for c in cases]
    return verdicts, decided


@pytest.fixture
def hub(provider_hub_on_fake: ProviderHub) -> ProviderHub:
    """Providers on the fake; MusicBrainz keeps its one request a second, so the set takes ~30 s."""
    return provider_hub_on_fake


def test_the_set_has_bands_and_joint_credits_of_every_connector() -> None:
    cases = load_cases()
    assert len(cases) >= 25
    bands = [c["credit"] for c in cases if c["class"] == "band"]
    joint = [c["credit"] for c in cases if c["class"] == "joint"]
    assert len(bands) >= 10
    assert len(joint) >= 10
    for connector in (" & ", " and ", " + ", ", ", " x ", " vs. ", " with ", " ft. "):
        assert any(connector in c for c in joint), connector
    for connector in (" & ", " and ", " + ", ", "):
        assert any(connector in c for c in bands), connector


async def test_labelled_credits_are_split_unless_a_provider_says_they_are_one_artist(
    hub: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    cases = load_cases()
    verdicts, decided = await decide_all(hub, cases)
    wrong = [(c["credit"], got) for c, got in zip(cases, decided, strict=True) if got != (c["artist"], c["featured"])]
    right = 1 - len(wrong) / len(cases)
    print(f"\ncredits with providers up: {len(cases) - len(wrong)}/{len(cases)} right ({right:.1%})")
    assert wrong == []
    assert verdicts.failed == {}
    # One search per name that needs one ('Hall & Oates' and 'Hall and Oates' are one name); plain
    # names and "feat." credits ask nobody.
    searched = [r.query["query"] for r in fake_upstream.sent("musicbrainz")]
    assert len(searched) == len({name_key(n) for c in cases for n in names_to_ask(c["credit"])})
    assert '"Lil Nas X"' not in searched
    assert not any("ft." in q or "feat." in q for q in searched)
    # Chase & Status: MusicBrainz (the fake's) does not know it, IMVDb does.
    assert verdicts.verdict("Chase & Status") is True
    assert verdicts.verdict("Dua Lipa & Calvin Harris") is False


async def test_with_musicbrainz_down_joint_looking_credits_stay_whole_and_x_still_splits(
    hub: ProviderHub, fake_upstream: FakeUpstream
) -> None:
    """Unknown is not no: '&', 'and', '+' and commas stay whole (artist enrichment later sends such an
    artist to review with the reason), 'x', 'vs.' and 'with' split; IMVDb's yes still counts."""
    fake_upstream.set("musicbrainz", mode="500")
    cases = load_cases()
    verdicts, decided = await decide_all(hub, cases)
    wrong = [
        (c["credit"], got)
        for c, got in zip(cases, decided, strict=True)
        if got != (c["when_musicbrainz_is_down"][0], c["when_musicbrainz_is_down"][1])
    ]
    assert wrong == []
    assert "musicbrainz" in verdicts.failed
    bands = [c for c in cases if c["class"] == "band"]
    split_bands = [c["credit"] for c, got in zip(cases, decided, strict=True) if c in bands and got[0] != c["artist"]]
    assert split_bands == []  # no band is ever split for want of an answer
    print(f"\ncredits with MusicBrainz down: bands kept whole {len(bands)}/{len(bands)}")
    # A failed provider is asked once per run, not once per credit.
    assert len([r for r in fake_upstream.sent("musicbrainz") if r.path == "/ws/2/artist"]) <= 3


async def test_without_providers_the_library_decides() -> None:
    async def library(name: str) -> bool:
        return name in {"Marshmello", "Bob x Alice"}

    verdicts = CreditVerdicts(None)
    await verdicts.prepare(["Marshmello & Bastille", "Bob x Alice"], library)
    assert await credited_artists("Marshmello & Bastille", [], known=library, verdicts=verdicts) == (
        "Marshmello",
        ["Bastille"],
    )
    assert await credited_artists("Bob x Alice", [], known=library, verdicts=verdicts) == ("Bob x Alice", [])
    assert await credited_artists("Hall & Oates", [], known=library, verdicts=verdicts) == ("Hall & Oates", [])
    assert verdicts.asked == 0
