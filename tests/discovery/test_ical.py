"""The release calendar as an iCalendar feed, read with an API key as calendar apps send it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from mvidarr.discovery.ical import _fold
from mvidarr.models import Role
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


async def test_feed_lists_releases_and_takes_an_api_key_in_the_url(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, client_as: Any
) -> None:
    artist = await make_artist(client, "Feed, Band; Co", monitored=True)
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    video = await make_video(client, artist["id"], "New Single", release_date=soon, version="Live")
    await make_video(client, artist["id"], "Long Ago", release_date="1990-01-01")

    refused = await anon_client.get("/api/v1/calendar.ics")
    assert refused.status_code == 401
    reader = await client_as(Role.READONLY)
    key = (await reader.post("/api/v1/api-keys", json={"name": "calendar app"})).json()["key"]
    response = await anon_client.get("/api/v1/calendar.ics", params={"api_key": key})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert response.text.endswith("END:VCALENDAR\r\n")
    lines = _unfold(response.text)
    assert f"DTSTART;VALUE=DATE:{soon.replace('-', '')}" in lines
    assert "SUMMARY:Feed\\, Band\\; Co - New Single (Live)" in lines
    assert any(line.startswith(f"UID:video-{video['id']}@") for line in lines)
    assert not any("Long Ago" in line for line in lines)  # outside the feed's window
    assert all(len(line.encode()) <= 75 for line in response.text.split("\r\n"))
    assert (await anon_client.get("/api/v1/calendar.ics", params={"api_key": "mvk_wrong"})).status_code == 401


def test_long_lines_fold_without_splitting_a_character() -> None:
    folded = _fold("SUMMARY:" + "é" * 60)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert parts[1].startswith(" ")
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == "SUMMARY:" + "é" * 60
