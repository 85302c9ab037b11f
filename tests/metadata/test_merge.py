"""Merging provider records field by field: order, locks, provenance, genres."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from mvidarr.metadata import merge
from mvidarr.metadata.settings import DEFAULT_VIDEO_ORDER
from mvidarr.providers.models import ArtistInfo, ExternalIds, VideoInfo

AT = datetime(2026, 1, 2, tzinfo=UTC)


def test_first_provider_in_the_order_with_a_value_wins() -> None:
    offers = {
        "musicbrainz": {"year": 1998, "album": "Homework", "directors": []},
        "imvdb": {"year": 1997, "album": None, "directors": ["Michel Gondry"]},
    }
    chosen = merge.merge(offers, {"imvdb": 0.9, "musicbrainz": 1.0}, DEFAULT_VIDEO_ORDER)
    assert (chosen["year"].value, chosen["year"].provider, chosen["year"].confidence) == (1997, "imvdb", 0.9)
    assert (chosen["album"].value, chosen["album"].provider) == ("Homework", "musicbrainz")
    assert chosen["directors"].provider == "imvdb"
    assert "label" not in chosen


def test_configured_order_overrides_and_drops_unknown_names() -> None:
    order = merge.orders({"year": ["musicbrainz", "nope"]}, DEFAULT_VIDEO_ORDER)
    assert order["year"] == ["musicbrainz"]
    assert order["album"] == DEFAULT_VIDEO_ORDER["album"]
    chosen = merge.merge({"imvdb": {"year": 1997}, "musicbrainz": {"year": 1998}}, {}, order)
    assert chosen["year"].value == 1998


def test_apply_respects_locks_and_fill_only_and_records_provenance() -> None:
    target = SimpleNamespace(year=2001, album=None, duration_s=200.0, title="x")
    chosen = {
        "year": merge.Chosen("year", 1997, "imvdb", 1.0),
        "album": merge.Chosen("album", "Homework", "musicbrainz", 0.9),
        "duration_s": merge.Chosen("duration_s", 240.0, "musicbrainz", 0.9),
    }
    provenance: dict[str, object] = {}
    changed = merge.apply(target, chosen, locked=["year"], provenance=provenance, at=AT)
    assert changed == ["album"]
    assert (target.year, target.album, target.duration_s) == (2001, "Homework", 200.0)
    assert provenance == {"album": {"provider": "musicbrainz", "confidence": 0.9, "at": AT.isoformat()}}


def test_genres_are_cleaned_and_joined() -> None:
    names = merge.clean_genres(
        ["Hip-Hop", "hip hop", "seen live", "80s", "electronic music", "Electronic", "k-pop", "rnb"]
    )
    assert names == ["Hip Hop", "Electronic", "K-Pop", "R&B"]
    many = ["rock", "pop", "jazz", "blues", "soul", "funk", "disco", "house", "techno", "trance", "ska"]
    assert len(merge.clean_genres(many)) == merge.MAX_GENRES


@pytest.mark.parametrize(
    "tag",
    ["british", "american", "uk", "london", "1999", "90s", "legendary", "seen live", "female vocalists", "awesome"],
)
def test_tags_that_are_not_genres_are_dropped(tag: str) -> None:
    assert merge.clean_genres([tag, "synthpop"]) == ["Synth-Pop"]


def test_the_vocabulary_is_musicbrainzs_genre_list() -> None:
    vocabulary = merge.vocabulary()
    assert len(vocabulary) > 1000
    for genre in ("hip hop", "k pop", "drum and bass", "french house", "art pop", "shoegaze", "city pop"):
        assert genre in vocabulary, genre
    assert merge.clean_genres(["Drum & Bass", "DnB", "drum n bass", "TRIP-HOP", "Trip Hop"]) == [
        "Drum And Bass",
        "Trip Hop",
    ]


def test_offers_from_provider_records() -> None:
    video = VideoInfo(
        provider="imvdb", provider_id="5001", artist="Daft Punk", title="Around the World", youtube_ids=["LKYPYj2XX80"]
    )
    offer = merge.video_offer(video)
    assert (offer["imvdb_id"], offer["youtube_id"], offer["title"]) == (5001, "LKYPYj2XX80", "Around the World")
    artist = ArtistInfo(
        provider="musicbrainz",
        provider_id="056e4f3e-d505-4dad-8ec1-d04f521cbb56",
        name="Daft Punk",
        country="fr",
        ids=ExternalIds(wikidata="Q185828", youtube_channel="https://youtube.com/c/daftpunk"),
    )
    offer = merge.artist_offer(artist)
    assert offer["musicbrainz_id"] == artist.provider_id
    assert offer["country"] == "FR"
    assert offer["wikidata_id"] == "Q185828"
    assert offer["youtube_channel_id"] is None
