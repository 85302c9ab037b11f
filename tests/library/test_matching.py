"""NFO parsing (and refusing unsafe ones), which names are scanned, folder hints, and probe tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvidarr.library.matching import folder_hints, match_file, natural_name
from mvidarr.library.walk import is_video_name
from mvidarr.media.probe import probe_file
from mvidarr.organise.nfo_read import MAX_NFO_BYTES, NfoInfo, parse_nfo


def test_nfo_fields_are_read() -> None:
    info = parse_nfo(
        b"<?xml version='1.0'?><musicvideo><title> Army  of Me </title><artist>Bj\xc3\xb6rk</artist>"
        b"<artist>Skunk Anansie</artist><premiered>1995-04-21</premiered><director>Michel Gondry</director>"
        b"<genre>Electronic</genre></musicvideo>\nhttps://www.imvdb.com/video/bjork/army-of-me"
    )
    assert info == NfoInfo(
        title="Army of Me",
        artists=["Björk", "Skunk Anansie"],
        year=1995,
        directors=["Michel Gondry"],
        genres=["Electronic"],
        premiered="1995-04-21",
    )


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><musicvideo><title>&lol;</title></musicvideo>',
        b"<musicvideo><title>unclosed",
        b"<movie><title>Not a music video</title></movie>",
        b"<musicvideo><title>" + b"x" * MAX_NFO_BYTES + b"</title></musicvideo>",
    ],
)
def test_unsafe_or_foreign_nfo_files_are_ignored(data: bytes) -> None:
    assert parse_nfo(data) is None


def test_nfo_artists_become_featured_and_win_over_the_path() -> None:
    nfo = NfoInfo(title="Under Pressure", artists=["Queen", "David Bowie"], year=1981)
    found = match_file("Unsorted/track01.mp4", nfo=nfo, tags={"artist": "Someone Else", "title": "Wrong"})
    assert found is not None
    assert (found.artist, found.title, found.featured, found.year, found.source) == (
        "Queen",
        "Under Pressure",
        ["David Bowie"],
        1981,
        "nfo",
    )


def test_tags_then_path() -> None:
    tagged = match_file("clip.mp4", tags={"title": "Massive Attack - Teardrop (Official Video)", "date": "1998-05"})
    assert tagged is not None
    assert (tagged.artist, tagged.title, tagged.year, tagged.source) == ("Massive Attack", "Teardrop", 1998, "tags")
    titled_only = match_file("Moby/Porcelain.mp4", tags={"title": "Porcelain"})
    assert titled_only is not None
    assert (titled_only.artist, titled_only.source) == ("Moby", "path")
    assert match_file("Porcelain.mp4", tags={"title": "Porcelain"}) is None


@pytest.mark.parametrize(
    ("folders", "expected"),
    [
        (["Music Videos", "80s", "a-ha"], ("a-ha", None)),
        (["Queen", "Live"], ("Queen", None)),
        (["Prince", "1984"], ("Prince", 1984)),
        (["Videos", "2000s"], (None, None)),
        ([], (None, None)),
    ],
)
def test_folder_hints(folders: list[str], expected: tuple[str | None, int | None]) -> None:
    assert folder_hints(folders) == expected


def test_natural_name() -> None:
    assert natural_name("Cure, The") == "The Cure"
    assert natural_name("Beatles, the") == "The Beatles"
    assert natural_name("Earth, Wind & Fire") == "Earth, Wind & Fire"


@pytest.mark.parametrize(
    ("name", "scanned"),
    [
        (b"A - B.mp4", True),
        (b"A - B.MKV", True),
        (b"a.m4v", True),
        (b"a.ts", True),
        (b"a.mpeg", True),
        (b"a.wmv", True),
        (b"a.mp4.part", False),
        (b"a.mp4.ytdl", False),
        (b"a.temp", False),
        (b"a.temp.mp4", False),
        (b"a.f137.mp4", False),
        (b"a.mp4.part-Frag12", False),
        (b".a.mp4", False),
        (b"a.nfo", False),
        (b"a.jpg", False),
    ],
)
def test_which_names_are_videos(name: bytes, scanned: bool) -> None:
    assert is_video_name(name) is scanned


def test_probe_returns_container_tags(tmp_path: Path) -> None:
    from tests.fixtures.media import make_clip
    from tests.library.conftest import TINY

    plain = probe_file(str(make_clip(tmp_path, TINY)))
    assert plain.tags is None
    assert "tags" in plain.as_columns()
