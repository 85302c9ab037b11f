"""Naming template parsing, rendering and safe names, table-driven."""

from __future__ import annotations

import unicodedata

import pytest

from mvidarr.organise.naming import BRACKET_RULE, DEFAULT_TEMPLATE, NamingFields, TemplateError, parse_template
from mvidarr.organise.sanitise import (
    MAX_COMPONENT_BYTES,
    MAX_STEM_BYTES,
    numbered,
    safe_component,
    truncate_bytes,
    truncate_chars,
)
from mvidarr.settings.registry import REGISTRY

FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}

SAFE = [
    ("AC/DC", "AC-DC"),
    ("Sigur Rós", "Sigur Rós"),
    ("Sigur Ro\u0301s", "Sigur Rós"),  # NFD in, NFC out
    ("Guns N' Roses", "Guns N' Roses"),
    ("Who Are You?", "Who Are You"),
    ("Title: Live at Wembley", "Title - Live at Wembley"),
    ("Re:Zero", "Re-Zero"),
    ('Say "Hello"', "Say 'Hello'"),
    ("<Untitled>", "(Untitled)"),
    ("a|b*c\\d", "a-b-c-d"),
    ("...And Justice for All", "And Justice for All"),
    ("Takk...", "Takk"),
    ("  spaced  out  ", "spaced out"),
    ("tab\there\nnewline", "tab here newline"),
    ("CON", "CON_"),
    ("nul", "nul_"),
    ("COM1", "COM1_"),
    ("LPT9.txt", "LPT9_.txt"),
    ("Console", "Console"),
    ("宇多田ヒカル", "宇多田ヒカル"),
    ("عمرو دياب", "عمرو دياب"),
    ("🎸 Rock 🤘🏽", "🎸 Rock 🤘🏽"),
    ("?", "_"),
    ("", "_"),
    ("..", "_"),
]


@pytest.mark.parametrize(("raw", "expected"), SAFE)
def test_safe_component(raw: str, expected: str) -> None:
    result = safe_component(raw)
    assert result == expected
    assert not FORBIDDEN & set(result)
    assert result == unicodedata.normalize("NFC", result)
    assert not result.startswith((" ", "."))
    assert not result.endswith((" ", "."))


@pytest.mark.parametrize(
    "raw",
    [
        "a" * 300,
        "é" * 200,  # 2 bytes each: the cut must not split one
        "宇" * 120,  # 3 bytes each
        "🎸" * 100,  # 4 bytes each
        "x" * 253 + "e\u0301\u0301",  # combining marks are not separated from their letter
        "x" * 250 + "👨‍👩‍👧",  # a ZWJ family is kept whole or dropped whole
        "x" * 250 + "🇯🇵🇫🇷",  # flags are pairs
    ],
)
def test_long_components_are_cut_on_boundaries(raw: str) -> None:
    result = safe_component(raw)
    encoded = result.encode("utf-8")
    assert len(encoded) <= MAX_COMPONENT_BYTES
    assert raw.startswith(result)
    last = result[-1]
    assert unicodedata.combining(last) == 0
    assert last not in "\u200d"
    tail = raw[len(result) :]
    if tail:
        assert unicodedata.combining(tail[0]) == 0
        assert tail[0] != "\u200d"
        assert not (0x1F3FB <= ord(tail[0]) <= 0x1F3FF)
    flags = sum(1 for ch in result if 0x1F1E6 <= ord(ch) <= 0x1F1FF)
    assert flags % 2 == 0


def test_truncation_helpers() -> None:
    assert truncate_bytes("aé", 2) == "a"
    assert truncate_chars("Hoppípolla", 4) == "Hopp"
    assert truncate_chars("e\u0301e\u0301", 1) == ""
    assert truncate_chars("short", 60) == "short"


def test_numbered_names_stay_within_limit() -> None:
    assert numbered("Song.mkv", 1) == "Song.mkv"
    assert numbered("Song.mkv", 2) == "Song (2).mkv"
    assert numbered("AC-DC", 3) == "AC-DC (3)"
    long = "あ" * 84 + ".mkv"  # 252 + 4 bytes
    result = numbered(long, 12)
    assert result.endswith(" (12).mkv")
    assert len(result.encode()) <= MAX_COMPONENT_BYTES


FIELDS = NamingFields(
    artist="AC/DC",
    artist_sort="AC/DC",
    title="Thunderstruck",
    version="",
    year=1990,
    album="The Razors Edge",
    kind="official",
    quality="1080p",
    video_codec="h264",
    imvdb_id=123,
    youtube_id="v2AC41dglnM",
)

RENDER = [
    ("{artist}/{artist} - {title}", FIELDS, ["AC-DC", "AC-DC - Thunderstruck"]),
    ("{artist}/{title}[ ({version})]", FIELDS, ["AC-DC", "Thunderstruck"]),
    (
        "{artist}/{title}[ ({version})]",
        NamingFields(artist="Sigur Rós", title="Hoppípolla", version="Live"),
        ["Sigur Rós", "Hoppípolla (Live)"],
    ),
    ("{artist}/[{album}/]{title}", FIELDS, ["AC-DC", "The Razors Edge", "Thunderstruck"]),
    ("{artist}/[{album}/]{title}", NamingFields(artist="A", title="T"), ["A", "T"]),
    ("{artist}/{title:5}", FIELDS, ["AC-DC", "Thund"]),
    ("{artist} - {title} [{year}] {{{quality}}}", FIELDS, ["AC-DC - Thunderstruck 1990 {1080p}"]),
    ("{artist}/{title}[ [[{year}]]]", FIELDS, ["AC-DC", "Thunderstruck [1990]"]),
    ("{kind}/{video_codec}/{imvdb_id}-{youtube_id}", FIELDS, ["official", "h264", "123-v2AC41dglnM"]),
    (
        "{artist}/{artist} - {title}",
        NamingFields(artist="Guns N' Roses", title="Sweet Child O' Mine?"),
        ["Guns N' Roses", "Guns N' Roses - Sweet Child O' Mine"],
    ),
    (
        "{artist}/{title}",
        NamingFields(artist="宇多田ヒカル", title="First Love: Live"),
        ["宇多田ヒカル", "First Love - Live"],
    ),
    ("{artist}/{title}", NamingFields(artist="فيروز", title="نسم علينا الهوى"), ["فيروز", "نسم علينا الهوى"]),
    ("{artist}/{title}", NamingFields(artist="..", title="?"), ["Unknown", "Unknown"]),
    ("{album}/{title}", NamingFields(title="T"), ["Unknown", "T"]),
]


@pytest.mark.parametrize(("source", "fields", "expected"), RENDER)
def test_render(source: str, fields: NamingFields, expected: list[str]) -> None:
    assert parse_template(source).render(fields) == expected


def test_long_title_leaves_room_for_sidecars() -> None:
    title = "Ω" * 200  # 400 bytes
    parts = parse_template("{artist}/{artist} - {title}").render(NamingFields(artist="Björk", title=title))
    assert len(parts[1].encode()) <= MAX_STEM_BYTES
    assert len((parts[1] + " (99)-fanart.jpg").encode()) <= MAX_COMPONENT_BYTES


INVALID = [
    ("", "empty", 0),
    ("{titel}", "did you mean {title}", 0),
    ("{artist}/{nope}", "unknown token {nope}", 9),
    ("{artist}/[{title}", "'[' is never closed", 9),
    ("{artist}/{title}]", "']' without a matching '['", 16),
    ("{artist", "'{' is never closed", 0),
    ("{artist}}", "'}' without a matching '{'", 8),
    ("{}", "empty token", 0),
    ("{title:0}", "between 1 and 255", 0),
    ("{title:abc}", "whole number", 0),
    ("/{artist}/{title}", "relative to the root folder", 0),
    ("C:/{title}", "drive path", 0),
    ("{artist}/../{title}", "'..' is not allowed", 9),
    ("./{title}", "'.' is not allowed", 0),
    ("{artist}//{title}", "empty path component", 9),
    ("{artist}/", "file name is missing", 9),
    ("{artist}\\{title}", "separate folders with '/'", 8),
    ("{artist}/[ - ]{title}", "has no token", 9),
    ("{artist}/Video[ {year}]", "must contain a token outside", 9),
    ("{" * 501, "longer than 500", 500),
]


@pytest.mark.parametrize(("source", "message", "position"), INVALID)
def test_invalid_templates_say_what_and_where(source: str, message: str, position: int) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(source)
    assert message in caught.value.message
    assert caught.value.position == position
    assert f"at character {position + 1}" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        # What tells two videos of one song apart stays in the name (issue 20).
        (
            NamingFields(artist="Radiohead", title="Creep", version="Live at Glastonbury 2003", kind="live"),
            "Radiohead/Radiohead - Creep (Live at Glastonbury 2003)",
        ),
        (NamingFields(artist="Radiohead", title="Creep", kind="live"), "Radiohead/Radiohead - Creep (Live)"),
        (NamingFields(artist="Radiohead", title="Creep", kind="official"), "Radiohead/Radiohead - Creep"),
        (
            NamingFields(artist="Blur", title="Song 2", version="Acoustic", kind="performance"),
            "Blur/Blur - Song 2 (Acoustic) (Performance)",
        ),
        # Brackets in a video's own words are kept; only the template's brackets are syntax.
        (
            NamingFields(artist="X", title="Song [Demo]", version="Remix [2020]", kind="lyric"),
            "X/X - Song [Demo] (Remix [2020]) (Lyric video)",
        ),
    ],
)
def test_default_template_keeps_version_and_kind(fields: NamingFields, path: str) -> None:
    assert parse_template(DEFAULT_TEMPLATE).render_path(fields) == path
    assert REGISTRY["library.naming_template"].default == DEFAULT_TEMPLATE
    assert BRACKET_RULE in REGISTRY["library.naming_template"].description
