"""0.9.7's value shapes and path placement, without a database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mvidarr.errors import InvalidInput
from mvidarr.legacy import shapes
from mvidarr.legacy.kinds.blocklist import blocked_url
from mvidarr.legacy.paths import PathMap, Placer


@pytest.mark.parametrize(
    ("stored", "names"),
    [
        (json.dumps(["Pop", "Rock"]), ["Pop", "Rock"]),
        (json.dumps("Pop, Rock ; Metal"), ["Pop", "Rock", "Metal"]),
        (json.dumps(json.dumps(["K-Pop", "k-pop", " Dance "])), ["K-Pop", "Dance"]),
        ("Pop|Rock", ["Pop", "Rock"]),  # text that is no JSON at all
        (json.dumps([{"name": "Soul"}, None, ["x"], 7]), ["Soul", "7"]),
        (None, []),
        ("   ", []),
        (json.dumps({"Pop": True, "Rock": False}), ["Pop"]),
    ],
)
def test_text_list_reads_every_shape(stored: str | None, names: list[str]) -> None:
    assert shapes.text_list(stored) == names


def test_ids_kept_as_text() -> None:
    assert shapes.legacy_int(" 98765 ") == 98765
    assert shapes.legacy_int("imvdb-slug") is None
    assert shapes.legacy_int("0") is None
    assert shapes.legacy_int(True) is None
    assert shapes.json_object(json.dumps(json.dumps({"album": "Post"}))) == {"album": "Post"}
    assert shapes.json_object(json.dumps("not json")) is None


@pytest.mark.parametrize(
    ("stored", "url"),
    [
        ("https://www.youtube.com/watch?v=AAAAAAAAAAA&list=x", "https://www.youtube.com/watch?v=AAAAAAAAAAA"),
        ("youtu.be/AAAAAAAAAAA", "https://www.youtube.com/watch?v=AAAAAAAAAAA"),
        ("AAAAAAAAAAA", "https://www.youtube.com/watch?v=AAAAAAAAAAA"),
        ("https://m.youtube.com/shorts/AAAAAAAAAAA", "https://www.youtube.com/watch?v=AAAAAAAAAAA"),
        ("https://vimeo.com/1234", "https://vimeo.com/1234"),
        ("not a url", None),
        ("", None),
    ],
)
def test_blacklist_urls_in_their_forms(stored: str, url: str | None) -> None:
    assert blocked_url(stored) == url


def test_path_maps_place_files_in_root_folders(tmp_path: Path) -> None:
    root = tmp_path / "library"
    (root / "A").mkdir(parents=True)
    (root / "A" / "A - Song.mp4").write_bytes(b"x" * 10)
    (root / "A" / "A - Twice.mp4").write_bytes(b"x")
    (root / "A" / "A - Twice (Live).mp4").write_bytes(b"x")
    placer = Placer([PathMap.parse("data=/nowhere"), PathMap.parse(f"data/musicvideos={root}")], [(7, str(root))])
    found = placer.place("./data/musicvideos/A/A - Song.mp4")
    assert (found.root_id, found.relative, found.exists, found.size) == (7, "A/A - Song.mp4", True, 10)
    renamed = placer.place("data/musicvideos/A/A - Song (Official Video) [4K].mp4")
    assert (renamed.relative, renamed.renamed_from is not None) == ("A/A - Song.mp4", True)
    # Two files match the cleaned name: none is guessed.
    assert not placer.place("data/musicvideos/A/A - Twice [HD].mp4").exists
    unmapped = placer.place("videos/A/x.mp4")
    assert unmapped.problem is not None
    assert "--map-path videos=" in unmapped.problem
    outside = placer.place("/mnt/elsewhere/x.mp4")
    assert outside.problem is not None
    assert "not inside any root folder" in outside.problem
    with pytest.raises(InvalidInput):
        PathMap.parse("data/musicvideos=relative/here")
