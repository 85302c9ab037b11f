"""Saved searches: each user's own named video filters, validated like the list, runnable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from tests.conftest import ClientAs
from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio
URL = "/api/v1/saved-searches"


async def test_save_list_run_change_and_delete(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Portishead")
    await make_video(client, artist["id"], "Glory Box", year=1994, genres=["Trip Hop"])
    await make_video(client, artist["id"], "Sour Times", year=1994, genres=["Trip Hop"], status="ignored")
    await make_video(client, artist["id"], "The Rip", year=2008)

    body: dict[str, Any] = {
        "name": "Nineties trip hop",
        "filter": {"q": "portishead", "genre": "Trip Hop", "year_min": 1990, "year_max": 1999, "status": ["wanted"]},
        "sort": "-year,title",
    }
    created = await client.post(URL, json=body)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["filter"]["genre"] == "Trip Hop"
    assert saved["filter"]["status"] == ["wanted"]
    assert saved["filter"]["kind"] == []
    assert saved["url"] == (
        "/videos?q=portishead&status=wanted&year_min=1990&year_max=1999&genre=Trip+Hop&sort=-year%2Ctitle"
    )
    # The page the url names shows what the API runs.
    page = await client.get(saved["url"])
    assert page.status_code == 200
    assert "Glory Box" in page.text
    assert "Sour Times" not in page.text

    ran = (await client.get(f"{URL}/{saved['id']}/videos")).json()
    assert [v["title"] for v in ran["items"]] == ["Glory Box"]
    assert ran["total"] == 1

    await client.post(URL, json={"name": "all of it"})
    listed = (await client.get(URL)).json()
    assert [s["name"] for s in listed["items"]] == ["all of it", "Nineties trip hop"]
    assert listed["total"] == 2

    renamed = await client.patch(f"{URL}/{saved['id']}", json={"name": "90s", "filter": {"year_min": 2000}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["filter"]["year_min"] == 2000
    assert renamed.json()["sort"] == "-year,title", "fields not sent stay"
    ran = (await client.get(f"{URL}/{saved['id']}/videos")).json()
    assert [v["title"] for v in ran["items"]] == ["The Rip"]

    assert (await client.delete(f"{URL}/{saved['id']}")).status_code == 204
    assert (await client.get(f"{URL}/{saved['id']}")).status_code == 404


async def test_names_are_unique_per_user_and_searches_private(client: httpx.AsyncClient, client_as: ClientAs) -> None:
    mine = (await client.post(URL, json={"name": "Live"})).json()
    clash = await client.post(URL, json={"name": "LIVE"})
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    other = await client_as(Role.READONLY)
    theirs = await other.post(URL, json={"name": "Live", "filter": {"kind": ["live"]}})
    assert theirs.status_code == 201, "read-only users keep searches too, and names are per user"
    assert (await other.get(f"{URL}/{mine['id']}")).status_code == 404
    assert (await other.patch(f"{URL}/{mine['id']}", json={"name": "x"})).status_code == 404
    assert (await other.delete(f"{URL}/{mine['id']}")).status_code == 404
    assert (await other.get(f"{URL}/{mine['id']}/videos")).status_code == 404
    assert [s["name"] for s in (await other.get(URL)).json()["items"]] == ["Live"]
    second = (await client.post(URL, json={"name": "Other"})).json()
    assert (await client.patch(f"{URL}/{second['id']}", json={"name": "live"})).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "sort": "loudness"}, "sort"),
        ({"name": "x", "sort": "DROP TABLE"}, "sort"),
        ({"name": "x", "filter": {"status": ["lost"]}}, "status"),
        ({"name": "x", "filter": {"quality_label": ["4k"]}}, "quality_label"),
        ({"name": "x", "filter": {"colour": "red"}}, "colour"),
        ({"name": "x", "owner": 2}, "owner"),
    ],
)
async def test_bad_bodies_are_422(client: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == 422, response.text
    assert any(field in error["loc"] for error in response.json()["errors"])


async def test_null_name_is_refused(client: httpx.AsyncClient) -> None:
    saved = (await client.post(URL, json={"name": "keep"})).json()
    response = await client.patch(f"{URL}/{saved['id']}", json={"name": None})
    assert response.status_code == 422
