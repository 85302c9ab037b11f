"""NFO files: valid XML with escaping, read back field by field by the reader scanning uses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

from mvidarr.organise.nfo import (
    ArtistNfo,
    Streams,
    VideoNfo,
    artist_nfo_xml,
    copy_image_if_changed,
    video_nfo_xml,
    video_sidecar_names,
    write_if_changed,
)
from mvidarr.organise.nfo_read import StreamInfo, parse_artist_nfo, parse_nfo, read_nfo

NASTY = "Rock & Roll <Live> \"quoted\" 'single' 🎸🤘🏽 \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"


def full_video() -> VideoNfo:
    return VideoNfo(
        title=NASTY,
        artists=["AC/DC", "Sigur Rós", "عمرو دياب"],
        album="Back & Black <Deluxe>",
        plot="First line & more.\nSecond line with <tags> and 宇多田ヒカル.",
        duration_s=292.4,
        release_date=date(1990, 9, 10),
        year=1990,
        genres=["Hard Rock", "Rock & Roll"],
        directors=["David Mallet"],
        studio="Atco & Sons",
        tags=["official", "4K Remaster"],
        imvdb_id=12345,
        youtube_id="v2AC41dglnM",
        musicbrainz_id="0b6c3b2e-9a7d-4d2e-8e2a-2a5c1c1f0f00",
        thumb="AC-DC - Thunderstruck-thumb.jpg",
        date_added=datetime(2024, 5, 6, 7, 8, 9),
        streams=Streams("h264", 1920, 1080, 292.4, "hdr10", "aac", 2),
    )


def test_video_nfo_is_valid_xml_and_round_trips_every_field() -> None:
    data = video_nfo_xml(full_video())
    root = ET.fromstring(data)  # valid XML, escaping done
    assert root.tag == "musicvideo"
    assert b"&amp;" in data
    assert b"&lt;Live&gt;" in data
    info = parse_nfo(data)
    assert info is not None
    assert info.title == NASTY
    assert info.artists == ["AC/DC", "Sigur Rós", "عمرو دياب"]
    assert info.album == "Back & Black <Deluxe>"
    assert info.plot == "First line & more.\nSecond line with <tags> and 宇多田ヒカル."
    assert info.runtime_min == 5
    assert info.premiered == "1990-09-10"
    assert info.year == 1990
    assert info.genres == ["Hard Rock", "Rock & Roll"]
    assert info.directors == ["David Mallet"]
    assert info.studios == ["Atco & Sons"]
    assert info.tags == ["official", "4K Remaster"]
    assert info.unique_ids == {
        "imvdb": "12345",
        "youtube": "v2AC41dglnM",
        "musicbrainz": "0b6c3b2e-9a7d-4d2e-8e2a-2a5c1c1f0f00",
    }
    assert info.default_id == "imvdb"
    assert info.thumbs == ["AC-DC - Thunderstruck-thumb.jpg"]
    assert info.date_added == "2024-05-06 07:08:09"
    assert info.streams == StreamInfo("h264", 1920, 1080, "1.778", 292, "hdr10", "aac", 2)


def test_minimal_video_nfo_and_default_id_falls_back() -> None:
    data = video_nfo_xml(VideoNfo(title="Only", artists=["One"], youtube_id="abc"))
    info = parse_nfo(data)
    assert info is not None
    assert (info.title, info.artists, info.year, info.default_id) == ("Only", ["One"], None, "youtube")
    assert info.streams is None
    assert info.plot is None


def test_control_characters_are_dropped_so_the_xml_stays_valid() -> None:
    data = video_nfo_xml(VideoNfo(title="bell\x07 and \x1b escape", artists=["x\x00y"]))
    info = parse_nfo(data)
    assert info is not None
    assert info.title == "bell and escape"
    assert info.artists == ["xy"]


def test_artist_nfo_round_trips() -> None:
    data = artist_nfo_xml(
        ArtistNfo(
            name="Sigur Rós & Friends",
            sort_name="Sigur Rós",
            musicbrainz_id="f6f2326f-6b25-4170-b89d-e235b25508e8",
            genres=["Post-rock", "Ambient"],
            biography="Icelandic <band>.\nFormed in 1994 🎶 \u05e9\u05dc\u05d5\u05dd.",
            thumb="folder.jpg",
            fanart="fanart.jpg",
        )
    )
    ET.fromstring(data)
    info = parse_artist_nfo(data)
    assert info is not None
    assert info.name == "Sigur Rós & Friends"
    assert info.sort_name == "Sigur Rós"
    assert info.musicbrainz_id == "f6f2326f-6b25-4170-b89d-e235b25508e8"
    assert info.genres == ["Post-rock", "Ambient"]
    assert info.biography == "Icelandic <band>.\nFormed in 1994 🎶 \u05e9\u05dc\u05d5\u05dd."
    assert info.thumbs == ["folder.jpg"]
    assert info.fanart == ["fanart.jpg"]


def test_written_next_to_the_video_and_read_at_scan(tmp_path: Path) -> None:
    video = tmp_path / "AC-DC" / "AC-DC - Thunderstruck.mkv"
    video.parent.mkdir()
    video.write_bytes(b"v")
    nfo_path, thumb_path = video_sidecar_names(video)
    assert nfo_path.name == "AC-DC - Thunderstruck.nfo"
    assert thumb_path.name == "AC-DC - Thunderstruck-thumb.jpg"
    data = video_nfo_xml(full_video())
    assert write_if_changed(nfo_path, data) is True
    assert write_if_changed(nfo_path, data) is False  # unchanged: not rewritten
    info = read_nfo(str(video))
    assert info is not None
    assert info.title == NASTY
    assert sorted(p.name for p in video.parent.iterdir()) == ["AC-DC - Thunderstruck.mkv", "AC-DC - Thunderstruck.nfo"]


def test_images_are_copied_when_missing_or_changed(tmp_path: Path) -> None:
    source = tmp_path / "large.jpg"
    source.write_bytes(b"\xff\xd8jpeg")
    target = tmp_path / "artist" / "folder.jpg"
    assert copy_image_if_changed(source, target) is True
    assert target.read_bytes() == b"\xff\xd8jpeg"
    assert copy_image_if_changed(source, target) is False
    source.write_bytes(b"\xff\xd8other jpeg")
    assert copy_image_if_changed(source, target) is True
    assert target.read_bytes() == b"\xff\xd8other jpeg"
    assert copy_image_if_changed(tmp_path / "missing.jpg", tmp_path / "x.jpg") is False
