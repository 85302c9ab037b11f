"""Sidecar subtitles: found beside the video's file by name and language, SRT served as WebVTT."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mvidarr.db import Database
from mvidarr.playback.subtitles import find_sidecars, srt_to_vtt
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio

SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>there</i>\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nline one\r\nA --> B\r\n\r\n"
)


def test_srt_becomes_webvtt() -> None:
    assert srt_to_vtt(SRT.lstrip("\ufeff").replace("\r\n", "\n")) == (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello <i>there</i>\n\n"
        "2\n00:00:03.000 --> 00:00:04.000\nline one\nA -> B\n"
    )
    assert srt_to_vtt("not subtitles at all") == "WEBVTT\n"


def test_sidecars_by_name_and_language(tmp_path: Path) -> None:
    video = tmp_path / "Björk - Army of Me.mp4"
    video.write_bytes(b"x")
    for name in ("Björk - Army of Me.srt", "Björk - Army of Me.en.vtt", "Björk - Army of Me.pt-BR.forced.srt",
                 "Björk - Army of Me.nfo", "Björk - Army of Medley.en.srt", "Other.en.srt"):  # fmt: skip
        (tmp_path / name).write_text("x")
    found = [(s.track, s.language, s.label, s.format) for s in find_sidecars(video)]
    assert found == [
        ("en.vtt", "en", "en", "vtt"),
        ("pt-BR.forced.srt", "pt-BR", "pt-BR (forced)", "srt"),
        ("srt", None, "Subtitles", "srt"),
    ]
    assert find_sidecars(tmp_path / "missing" / "x.mp4") == []


async def test_subtitles_api(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    artist = await make_artist(client, "Björk")
    video = await make_video(client, artist["id"], "Army of Me")
    (library / "army.mp4").write_bytes(b"\x00" * 100)
    (library / "army.en.srt").write_bytes(SRT.encode())
    (library / "army.fr.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n")
    (library / "army.de.srt").write_bytes("1\n00:00:01,000 --> 00:00:02,000\nGr\xfc\xdfe\n".encode("cp1252"))
    await attach_file(db, video["id"], str(library), relative_path="army.mp4", size=100)

    listed = await client.get(f"/api/v1/videos/{video['id']}/subtitles")
    assert listed.status_code == 200, listed.text
    assert [(t["track"], t["language"]) for t in listed.json()] == [
        ("de.srt", "de"),
        ("en.srt", "en"),
        ("fr.vtt", "fr"),
    ]
    english = await client.get(listed.json()[1]["url"])
    assert english.status_code == 200
    assert english.headers["content-type"] == "text/vtt; charset=utf-8"
    assert english.text.startswith("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello")
    assert "Bonjour" in (await client.get(listed.json()[2]["url"])).text
    assert "Grüße" in (await client.get(listed.json()[0]["url"])).text

    assert (await client.get(f"/api/v1/videos/{video['id']}/subtitles/es.srt")).status_code == 404
    traversal = await client.get(f"/api/v1/videos/{video['id']}/subtitles/..%2F..%2Fetc%2Fpasswd")
    assert traversal.status_code in (404, 422)
    assert (await anon_client.get(listed.json()[1]["url"])).status_code == 401
    no_file = await make_video(client, artist["id"], "Hyperballad")
    assert (await client.get(f"/api/v1/videos/{no_file['id']}/subtitles")).status_code == 404
