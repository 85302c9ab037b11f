"""Dates as providers write them."""

from __future__ import annotations

from datetime import date

import pytest

from mvidarr.providers.parsing import text_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 7, 1997", date(1997, 4, 7)),
        ("April 7th, 1997", date(1997, 4, 7)),
        ("Apr. 7 1997", date(1997, 4, 7)),
        ("7 April 1997", date(1997, 4, 7)),
        ("1st March 2001", date(2001, 3, 1)),
        ("  september 21, 2010 ", date(2010, 9, 21)),
        ("1997-04-07", date(1997, 4, 7)),
        ("1997", None),
        ("April 1997", None),
        ("February 30, 1997", None),
        ("Smarch 3, 1997", None),
        ("", None),
        (None, None),
    ],
)
def test_text_dates(text: str | None, expected: date | None) -> None:
    assert text_date(text) == expected
