"""Matching: the labelled set of titles and file names, normalisation, and candidate scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mvidarr.metadata.matching import (
    VideoCandidate,
    VideoQuery,
    artist_similarity,
    best_video,
    duration_agreement,
    identify,
    name_key,
    score_artist,
    score_video,
    title_key,
)

LABELLED = Path(__file__).parent / "data" / "titles.json"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(LABELLED.read_text(encoding="utf-8"))
    return cases


def exact(case: dict[str, Any]) -> bool:
    found = identify(case["raw"], uploader=case.get("uploader"), filename=case.get("source") == "file")
    return (found.artist or "").casefold() == case["artist"].casefold() and found.title.casefold() == case[
        "title"
    ].casefold()


def test_labelled_set_is_big_and_has_the_hard_cases() -> None:
    cases = load_cases()
    assert len(cases) >= 100
    raws = " ".join(c["raw"] for c in cases)
    for hard in ("ft.", "feat.", "Remix", "Live at", "「", "뚜두", "Земфира", "עומר"):
        assert hard in raws, hard
    assert any(c["artist"] in ("Yes", "Live", "Heart", "Low", "Air") for c in cases)


def test_at_least_95_percent_of_the_labelled_set_is_exact() -> None:
    cases = load_cases()
    misses = [c["raw"] for c in cases if not exact(c)]
    accuracy = 1 - len(misses) / len(cases)
    assert accuracy >= 0.95, misses


def test_ranking_picks_the_labelled_video_among_all_others() -> None:
    """Each parsed title, scored against every labelled (artist, title), ranks its own first."""
    cases = load_cases()
    pool = [(i, VideoCandidate(artist=c["artist"], title=c["title"])) for i, c in enumerate(cases)]
    right = 0
    for i, case in enumerate(cases):
        found = identify(case["raw"], uploader=case.get("uploader"), filename=case.get("source") == "file")
        ranked = best_video(VideoQuery(artist=found.artist or "", title=found.title), pool)
        right += ranked[0].item == i and ranked[0].confidence >= 0.85
    assert right / len(cases) >= 0.95


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Beatles", "Beatles"),
        ("Simon & Garfunkel", "Simon and Garfunkel"),
        ("Björk", "BJORK"),
        ("R.E.M.", "REM"),
        ("Guns N' Roses", "Guns N Roses"),
        ("Florence + The Machine", "Florence and the Machine"),
    ],
)
def test_names_that_are_the_same(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_names_that_differ() -> None:
    assert name_key("The The") != name_key("The")
    assert name_key("The The") == "the the"
    assert name_key("Кино") == "кино"  # Cyrillic kept, folded
    assert name_key("米津玄師") == "米津玄師"


def test_title_key_drops_decorations_and_features() -> None:
    assert title_key("Uptown Funk (Official Video) ft. Bruno Mars") == "uptown funk"
    assert title_key("Hey Ya! [HD]") == "hey ya"
    assert title_key("White & Nerdy") == title_key("White and Nerdy")


def test_duration_agreement() -> None:
    assert duration_agreement(200, 202) == 1.0
    assert duration_agreement(200, None) is None
    assert duration_agreement(200, 230) == pytest.approx(0.0)
    middle = duration_agreement(200, 216.5)
    assert middle is not None
    assert 0.4 < middle < 0.6


def test_scores_order_the_usual_confusions() -> None:
    query = VideoQuery(artist="Queen", title="Bohemian Rhapsody", duration_s=355)
    same = score_video(query, VideoCandidate("Queen", "Bohemian Rhapsody (Official Video Remastered)", 356))
    wrong_length = score_video(query, VideoCandidate("Queen", "Bohemian Rhapsody", 520))
    other_artist = score_video(query, VideoCandidate("Panic! At The Disco", "Bohemian Rhapsody", 355))
    other_song = score_video(query, VideoCandidate("Queen", "Radio Ga Ga", 355))
    assert same == 1.0
    assert 0.8 < wrong_length < same
    assert other_artist < 0.6
    assert other_song < 0.6


def test_joint_credit_matches_its_main_artist() -> None:
    assert artist_similarity("Major Lazer & DJ Snake", "Major Lazer") == pytest.approx(0.9)
    assert artist_similarity("Yes", "Yello") < 0.7


def test_artist_score_uses_the_disambiguation() -> None:
    plain = score_artist("Nirvana", "Nirvana")
    right = score_artist("Nirvana", "Nirvana", disambiguation_hint="US grunge band", candidate_detail="US grunge band")
    wrong = score_artist("Nirvana", "Nirvana", disambiguation_hint="US grunge band", candidate_detail="60s UK band")
    assert plain == 1.0
    assert right == 1.0
    assert wrong < right
