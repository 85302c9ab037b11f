"""Facet counts for any video filter: each facet counted with the other filters only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.db import Database
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio


def _counts(facet: list[dict[str, Any]]) -> dict[Any, int]:
    return {entry["value"]: entry["count"] for entry in facet}


async def test_facets_count_each_value_under_the_other_filters(client: httpx.AsyncClient, db: Database) -> None:
    portishead = await make_artist(client, "Portishead")
    massive = await make_artist(client, "Massive Attack")
    glory = await make_video(client, portishead["id"], "Glory Box", year=1994, genres=["Trip Hop"])
    await make_video(client, portishead["id"], "Sour Times", year=1994, kind="live", genres=["Trip Hop"])
    await make_video(client, portishead["id"], "The Rip", year=2008, status="ignored", genres=["Rock"])
    teardrop = await make_video(client, massive["id"], "Teardrop", year=1998, genres=["Trip Hop", "Electronic"])
    await make_video(client, massive["id"], "Angel", status="downloaded")
    await attach_file(db, glory["id"], "/media/lib", quality_label="1080p")
    await attach_file(db, teardrop["id"], "/media/lib", quality_label="720p")

    everything = (await client.get("/api/v1/videos/facets")).json()
    assert everything["total"] == 5
    assert _counts(everything["status"]) == {"wanted": 3, "ignored": 1, "downloaded": 1}
    assert everything["status"][0] == {"value": "wanted", "count": 3}, "most common first"
    assert _counts(everything["kind"]) == {"official": 4, "live": 1}
    assert _counts(everything["decade"]) == {1990: 3, 2000: 1}
    assert _counts(everything["genre"]) == {"Trip Hop": 3, "Rock": 1, "Electronic": 1}
    assert _counts(everything["quality_label"]) == {"1080p": 1, "720p": 1}
    assert _counts(everything["has_file"]) == {True: 2, False: 3}

    # Choosing a status keeps the other statuses' counts; the other facets narrow to it.
    wanted = (await client.get("/api/v1/videos/facets", params={"status": "wanted"})).json()
    assert wanted["total"] == 3
    assert _counts(wanted["status"]) == {"wanted": 3, "ignored": 1, "downloaded": 1}
    assert _counts(wanted["decade"]) == {1990: 3}
    assert _counts(wanted["genre"]) == {"Trip Hop": 3, "Electronic": 1}

    # The same filters as the list: search words, artist, years, genre, file.
    narrowed = await client.get(
        "/api/v1/videos/facets",
        params={"q": "portis", "year_min": 1990, "year_max": 1999, "genre": "trip hop", "has_file": "true"},
    )
    body = narrowed.json()
    assert body["total"] == 1
    assert _counts(body["has_file"]) == {True: 1, False: 1}
    assert _counts(body["quality_label"]) == {"1080p": 1}
    assert _counts(body["decade"]) == {1990: 1}
    list_params = {"q": "portis", "genre": "trip hop", "has_file": "true"}
    listed = (await client.get("/api/v1/videos", params=list_params)).json()
    assert listed["total"] == 1

    by_label = (await client.get("/api/v1/videos/facets", params={"quality_label": "720p"})).json()
    assert by_label["total"] == 1
    assert _counts(by_label["quality_label"]) == {"1080p": 1, "720p": 1}


async def test_facets_validate_like_the_list(client: httpx.AsyncClient) -> None:
    bad: list[dict[str, Any]] = [
        {"status": "nope"}, {"quality_label": "4k"}, {"year_min": 1800}, {"year_min": 2000, "year_max": 1990},
    ]  # fmt: skip
    for params in bad:
        response = await client.get("/api/v1/videos/facets", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
