"""Discovery's de-duplication: one video per song, kind and version across sources."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from mvidarr.discovery.grouping import SourceItem, find_existing, group_items, song_key, version_key
from mvidarr.models import VideoKind
from tests.discovery.dedupe_cases import CASES

SOURCES = {"i": "imvdb", "m": "musicbrainz", "a": "theaudiodb", "y": "youtube"}


def _grouping(artist: str, items: list[tuple[str, str, str | None, str]]) -> tuple[list[set[int]], list[set[int]]]:
    source_items = [
        SourceItem(source=SOURCES[src], source_id=f"{src}{n}", title=title, youtube_id=yt)
        for n, (src, title, yt, _label) in enumerate(items)
    ]
    by_id = {id(item): n for n, item in enumerate(source_items)}
    found = [{by_id[id(item)] for item in video.items} for video in group_items(artist, source_items)]
    expected: dict[str, set[int]] = defaultdict(set)
    for n, (*_rest, label) in enumerate(items):
        expected[label].add(n)
    return found, list(expected.values())


def test_the_labelled_set_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("artist", "items"), CASES, ids=[f"{n:02d}-{c[0]}" for n, c in enumerate(CASES)])
def test_every_case_groups_exactly_as_labelled(artist: str, items: list[tuple[str, str, str | None, str]]) -> None:
    found, expected = _grouping(artist, items)
    titles = [[items[n][1] for n in sorted(group)] for group in found]
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected)), titles


def test_song_keys_ignore_spelling_but_keep_numbers() -> None:
    assert song_key("Don\u2019t Stop Me Now!") == song_key("dont stop me now") == "dont stop me now"
    assert song_key("Rock & Roll") == song_key("Rock and Roll")
    assert song_key("Another Brick in the Wall, Pt. 2") == song_key("Another Brick In The Wall (Part 2)")
    assert song_key("Jóga") == "joga"
    assert song_key("Song 2") != song_key("Song 3")


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("Explicit", "explicit"),
        ("Uncensored Version", "explicit"),
        ("Clean Version", "clean"),
        ("Censored", "clean"),
        ("Director's Cut", "director's cut"),
        ("Directors Cut", "director's cut"),
        ("Alternative Version", "alternate"),
        ("Original Version", ""),
        ("Gabry Ponte Remix", "gabry ponte remix"),
        ("Live at Wembley 1986", "live at wembley 1986"),
        ("", ""),
    ],
)
def test_version_spellings_have_one_canonical_key(spelling: str, key: str) -> None:
    assert version_key(spelling) == key


def test_a_merged_video_keeps_every_source_and_the_earliest_date() -> None:
    items = [
        SourceItem("imvdb", "121", "Africa", release_date=date(1982, 5, 1), duration_s=272),
        SourceItem(
            "youtube",
            "FTQbiNvZqaY",
            "Toto - Africa (Official HD Video)",
            youtube_id="FTQbiNvZqaY",
            year=2009,
            duration_s=275,
        ),
        SourceItem("musicbrainz", "rec-1", "Africa", duration_s=270),
    ]
    [video] = group_items("Toto", items)
    assert video.sources == ["imvdb", "youtube", "musicbrainz"]
    assert video.youtube_ids == ["FTQbiNvZqaY"]
    assert video.year == 1982
    assert video.release_date == date(1982, 5, 1)
    assert video.duration_s == 272
    assert video.source_id("musicbrainz") == "rec-1"
    assert video.kind is VideoKind.OFFICIAL


def test_a_source_that_states_kind_and_version_is_trusted_over_the_title() -> None:
    items = [
        SourceItem("imvdb", "1", "Hurt", kind=VideoKind.LIVE, version="Live at Glastonbury 2009"),
        SourceItem("youtube", "y", "Nine Inch Nails - Hurt (Live at Glastonbury 2009)"),
    ]
    [video] = group_items("Nine Inch Nails", items)
    assert video.kind is VideoKind.LIVE
    assert len(video.items) == 2


def test_existing_library_videos_are_recognised_in_other_spellings() -> None:
    [found] = group_items("Queen", [SourceItem("youtube", "x", "Queen - Don't Stop Me Now (Official Video)")])
    existing = [(7, "Bohemian Rhapsody", "official", ""), (9, "Dont Stop Me Now", "official", "")]
    assert find_existing(found, existing) == 9
    assert find_existing(found, [(9, "Dont Stop Me Now", "live", "Live")]) is None
    assert find_existing(found, [(9, "Dont Stop Me Now", "official", "Explicit")]) is None
