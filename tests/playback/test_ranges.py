from __future__ import annotations

import pytest

from mvidarr.playback.ranges import ByteRange, RangeNotSatisfiable, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=999-999", ByteRange(999, 999)),
        ("bytes = 0 - 9", ByteRange(0, 9)),
    ],
)
def test_single_ranges(header: str, expected: ByteRange) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes=", "bytes=-", "items=0-9", "bytes=a-b", "bytes=0-9,20-29", "bytes=9-0", "0-9", "bytes=--5"],
)
def test_malformed_or_multiple_ranges_are_ignored(header: str | None) -> None:
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_ranges_past_the_end_are_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, SIZE)


def test_empty_file_has_no_suffix_range() -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-10", 0)
