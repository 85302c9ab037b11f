"""Discovery filters: what an artist accepts, and the reason for what it skips."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from mvidarr.discovery.filters import DiscoveryFilters, rejection, released_since
from mvidarr.discovery.grouping import DiscoveredVideo, SourceItem, group_items
from mvidarr.models import VideoKind


def _video(title: str, **item: object) -> DiscoveredVideo:
    [video] = group_items("Artist", [SourceItem("imvdb", "1", title, **item)])  # type: ignore[arg-type]
    return video


def test_default_filters_take_official_live_and_performance_videos() -> None:
    filters = DiscoveryFilters()
    assert rejection(_video("Song (Official Video)"), filters) is None
    assert rejection(_video("Song (Live at Wembley)"), filters) is None
    assert rejection(_video("Song (Lyric Video)"), filters) == "kind lyric is not accepted"
    assert rejection(_video("Song (Official Audio)"), filters) == "kind audio is not accepted"


def test_words_match_whole_words_without_case_or_accents() -> None:
    filters = DiscoveryFilters(exclude_words=["reaction", "Teaser"])
    assert (
        rejection(_video("Song (TEASER)", kind=VideoKind.OFFICIAL), filters) == "title contains excluded word 'Teaser'"
    )
    assert rejection(_video("Chain Reaction"), filters) == "title contains excluded word 'reaction'"
    assert rejection(_video("Reactionary"), filters) is None
    required = DiscoveryFilters(include_words=["café"])
    assert rejection(_video("Cafe del Mar"), required) is None
    assert rejection(_video("Tea Room"), required) == "title contains none of the required words"


def test_year_and_duration_limits_skip_only_what_is_known_to_be_outside() -> None:
    filters = DiscoveryFilters(min_year=2000, min_duration_s=90)
    assert rejection(_video("Old", year=1999), filters) == "released in 1999, before 2000"
    assert rejection(_video("Short", year=2010, duration_s=30), filters) == "30 s long, shorter than 90 s"
    assert rejection(_video("Unknown"), filters) is None


def test_monitor_new_compares_release_dates_then_years() -> None:
    added = date(2024, 6, 1)
    assert released_since(_video("New", release_date=date(2024, 6, 1)), added)
    assert not released_since(_video("Old", release_date=date(2024, 5, 31)), added)
    assert released_since(_video("Same year", year=2024), added)
    assert not released_since(_video("Last year", year=2023), added)
    assert released_since(_video("Undated"), added)


def test_filters_reject_bad_input() -> None:
    with pytest.raises(ValidationError):
        DiscoveryFilters(min_year=1800)
    with pytest.raises(ValidationError):
        DiscoveryFilters(exclude_words=["x" * 101])
    with pytest.raises(ValidationError):
        DiscoveryFilters.model_validate({"kinds": ["karaoke"]})
    assert DiscoveryFilters(include_words=["  ", " live "]).include_words == ["live"]
