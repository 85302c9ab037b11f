"""The rule a re-run follows for a 0.9.7 row brought across earlier (decision 0056)."""

from __future__ import annotations

from datetime import date

from mvidarr.legacy.follow import changes, plain, taken


def test_a_field_changed_in_0_9_7_follows_while_it_holds_what_the_import_wrote() -> None:
    found = changes({"year": 1995}, {"year": 1996}, {"year": 1995})
    assert (found.apply, found.kept) == ({"year": 1996}, {})


def test_a_field_changed_here_since_keeps_its_value() -> None:
    found = changes({"album": "Post"}, {"album": "Post (Deluxe)"}, {"album": "Post (mine)"})
    assert (found.apply, found.kept) == ({}, {"album": "changed here since the last import"})


def test_a_locked_field_keeps_its_value_even_when_unchanged_here() -> None:
    found = changes({"year": 1995}, {"year": 1996}, {"year": 1995}, locked=["year"])
    assert (found.apply, found.kept) == ({}, {"year": "locked here"})


def test_nothing_changed_in_0_9_7_means_nothing_to_do_whatever_changed_here() -> None:
    found = changes({"year": 1995, "title": "A"}, {"year": 1995, "title": "A"}, {"year": 2001, "title": "B"})
    assert not found.changed_in_source


def test_a_field_the_last_import_did_not_record_is_not_followed() -> None:
    found = changes({"title": "A"}, {"title": "A", "year": 1996}, {"title": "A", "year": None})
    assert not found.changed_in_source


def test_dates_and_lists_compare_as_they_are_recorded() -> None:
    recorded = taken(
        {"release_date": date(1995, 4, 24), "directors": ("Michel Gondry",)}, ["release_date", "directors"]
    )
    assert recorded == {"release_date": "1995-04-24", "directors": ["Michel Gondry"]}
    here = {"release_date": date(1995, 4, 24), "directors": ["Michel Gondry"]}
    now = {"release_date": "1995-05-01", "directors": ["Michel Gondry"]}
    assert changes(recorded, now, here).apply == {"release_date": "1995-05-01"}
    assert plain({"a": (1, date(2000, 1, 2))}) == {"a": [1, "2000-01-02"]}
