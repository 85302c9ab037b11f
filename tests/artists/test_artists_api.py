from __future__ import annotations

import httpx
import pytest

from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


async def test_create_get_update_artist(client: httpx.AsyncClient) -> None:
    created = await make_artist(client, "The Cure", country="GB", genres=["Post-Punk", "new wave"])
    assert created["sort_name"] == "Cure, The"
    assert created["genres"] == ["new wave", "Post-Punk"]
    assert created["video_count"] == 0

    fetched = (await client.get(f"/api/v1/artists/{created['id']}")).json()
    assert fetched == created

    response = await client.patch(f"/api/v1/artists/{created['id']}", json={"biography": "Crawley band."})
    assert response.status_code == 200
    body = response.json()
    assert body["biography"] == "Crawley band."
    assert body["locked_fields"] == ["biography"], "a user edit locks the field against enrichment"
    assert body["country"] == "GB", "fields not sent stay as they were"


@pytest.mark.parametrize(
    ("first", "second"),
    [("Björk", "bjork"), ("Motörhead", "MOTORHEAD"), ("The Beatles", "Beatles, The"), ("Sigur Rós", "sigur ros")],
)
async def test_duplicate_names_conflict(client: httpx.AsyncClient, first: str, second: str) -> None:
    await make_artist(client, first)
    response = await client.post("/api/v1/artists", json={"name": second})
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert "already exists" in response.json()["detail"]


async def test_disambiguation_allows_same_name(client: httpx.AsyncClient) -> None:
    await make_artist(client, "Nirvana", disambiguation="US grunge band")
    other = await make_artist(client, "Nirvana", disambiguation="UK 1960s band")
    assert other["disambiguation"] == "UK 1960s band"


async def test_rename_into_existing_name_conflicts(client: httpx.AsyncClient) -> None:
    await make_artist(client, "Blur")
    oasis = await make_artist(client, "Oasis")
    response = await client.patch(f"/api/v1/artists/{oasis['id']}", json={"name": "BLUR"})
    assert response.status_code == 409
    assert (await client.get(f"/api/v1/artists/{oasis['id']}")).json()["name"] == "Oasis"


async def test_delete_artist_with_videos_needs_flag(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Massive Attack")
    video = await make_video(client, artist["id"], "Teardrop")
    refused = await client.delete(f"/api/v1/artists/{artist['id']}")
    assert refused.status_code == 409
    assert "delete_videos=true" in refused.json()["detail"]
    assert (await client.get(f"/api/v1/videos/{video['id']}")).status_code == 200

    deleted = await client.delete(f"/api/v1/artists/{artist['id']}", params={"delete_videos": "true"})
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/artists/{artist['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/videos/{video['id']}")).status_code == 404


async def test_delete_artist_without_videos(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Aphex Twin")
    assert (await client.delete(f"/api/v1/artists/{artist['id']}")).status_code == 204


@pytest.mark.parametrize(("query", "expected"), [("bjork", "Björk"), ("motorhead", "Motörhead"), ("RÓS", "Sigur Rós")])
async def test_search_is_case_and_accent_insensitive(client: httpx.AsyncClient, query: str, expected: str) -> None:
    for name in ("Björk", "Motörhead", "Sigur Rós", "Radiohead"):
        await make_artist(client, name)
    response = await client.get("/api/v1/artists", params={"q": query})
    assert [a["name"] for a in response.json()["items"]] == [expected]


async def test_list_counts_filters_and_sort(client: httpx.AsyncClient) -> None:
    abba = await make_artist(client, "ABBA", genres=["Pop"], monitored=False)
    cure = await make_artist(client, "The Cure", genres=["Rock"])
    await make_artist(client, "Zola Jesus", genres=["Rock"])
    await make_video(client, cure["id"], "Lullaby", status="downloaded")
    await make_video(client, cure["id"], "Friday I'm in Love")

    items = (await client.get("/api/v1/artists", params={"sort": "name"})).json()["items"]
    assert [a["name"] for a in items] == ["ABBA", "The Cure", "Zola Jesus"], "sorted by sort name"
    cure_item = next(a for a in items if a["id"] == cure["id"])
    assert (cure_item["video_count"], cure_item["downloaded_count"]) == (2, 1)

    by_count = (await client.get("/api/v1/artists", params={"sort": "-video_count"})).json()["items"]
    assert by_count[0]["id"] == cure["id"]

    rock = (await client.get("/api/v1/artists", params={"genre": "rock"})).json()
    assert rock["total"] == 2
    unmonitored = (await client.get("/api/v1/artists", params={"monitored": "false"})).json()
    assert [a["id"] for a in unmonitored["items"]] == [abba["id"]]


async def test_pagination_totals_and_beyond_the_end(client: httpx.AsyncClient) -> None:
    for i in range(7):
        await make_artist(client, f"Artist {i}")
    page = (await client.get("/api/v1/artists", params={"page_size": 3, "page": 2})).json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (7, 2, 3, 3)
    beyond = await client.get("/api/v1/artists", params={"page_size": 3, "page": 50})
    assert beyond.status_code == 200
    assert beyond.json()["items"] == []
    assert beyond.json()["total"] == 7


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 0},
        {"page_size": -1},
        {"page_size": 100000},
        {"page": 0},
        {"page": "x"},
        {"sort": "nonexistent"},
        {"sort": "biography"},
        {"sort": "name;drop table artist"},
        {"monitored": "maybe"},
    ],
)
async def test_bad_list_parameters_are_422(client: httpx.AsyncClient, params: dict[str, object]) -> None:
    response = await client.get("/api/v1/artists", params=params)
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == PROBLEM
    assert body["errors"], body
    assert body["errors"][0]["loc"][0] == "query"


@pytest.mark.parametrize("bad_id", ["0", "-1", "99999999999999999999", "abc", "2147483648"])
async def test_bad_ids_are_422(client: httpx.AsyncClient, bad_id: str) -> None:
    response = await client.get(f"/api/v1/artists/{bad_id}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "artist_id"]


async def test_missing_artist_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/artists/12345")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:mvidarr:problem:not-found"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x" * 10_000}, ["body", "name"]),
        ({"name": "nul\x00byte"}, ["body", "name"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "   "}, ["body", "name"]),
        ({"name": "ok", "favourite_colour": "blue"}, ["body", "favourite_colour"]),
        ({"name": "ok", "country": "Sweden"}, ["body", "country"]),
        ({"name": "ok", "musicbrainz_id": "not-a-uuid"}, ["body", "musicbrainz_id"]),
        ({"name": "ok", "root_folder_id": 77}, ["body", "root_folder_id"]),
        ({}, ["body", "name"]),
    ],
)
async def test_bad_create_bodies_are_422_and_create_nothing(
    client: httpx.AsyncClient, body: dict[str, object], loc: list[str]
) -> None:
    response = await client.post("/api/v1/artists", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert (await client.get("/api/v1/artists")).json()["total"] == 0


async def test_lone_surrogate_is_422(client: httpx.AsyncClient) -> None:
    raw = b'{"name": "bad \\ud800 name"}'
    response = await client.post("/api/v1/artists", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    assert (await client.get("/api/v1/artists")).json()["total"] == 0


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"name"', b"42", b"null"])
async def test_json_that_is_not_an_object_is_422(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/v1/artists", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert (await client.get("/api/v1/artists")).json()["total"] == 0


async def test_explicit_locks_are_validated(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Portishead")
    bad = await client.patch(f"/api/v1/artists/{artist['id']}", json={"locked_fields": ["monitored"]})
    assert bad.status_code == 422
    good = await client.patch(f"/api/v1/artists/{artist['id']}", json={"locked_fields": ["genres"]})
    assert good.json()["locked_fields"] == ["genres"]


async def test_null_name_in_update_is_422(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Tricky")
    response = await client.patch(f"/api/v1/artists/{artist['id']}", json={"name": None})
    assert response.status_code == 422
