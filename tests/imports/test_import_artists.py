"""Import lists: a fake Lidarr on 127.0.0.1, and Last.fm / Spotify through the fake upstream."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from mvidarr.imports.sources import LIDARR_UNREADABLE
from tests.factories import make_artist
from tests.fakes.upstream import FAKE_LASTFM_USER, FAKE_SPOTIFY_USER_TOKEN
from tests.imports.conftest import LIDARR_KEY

pytestmark = pytest.mark.anyio


async def test_lidarr_preview_then_import(client: httpx.AsyncClient, lidarr: dict[str, Any]) -> None:
    existing = await make_artist(client, "Queen")
    request = {"source": "lidarr", "url": lidarr["url"], "api_key": LIDARR_KEY, "dry_run": True}
    preview = await client.post("/api/v1/import/artists", json=request)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [(a["name"], a["action"], a["artist_id"]) for a in body["artists"]] == [
        ("Queen", "existing", existing["id"]),
        ("Björk", "add", None),
        ("Daft Punk", "add", None),
    ]
    assert (body["added"], body["existing"], body["dry_run"]) == (2, 1, True)
    assert (await client.get("/api/v1/artists")).json()["total"] == 1
    assert lidarr["requests"][0] == ("/api/v1/artist", LIDARR_KEY)

    done = await client.post("/api/v1/import/artists", json={**request, "dry_run": False})
    assert done.status_code == 200, done.text
    assert done.json()["added"] == 2
    enrich = (await client.get(f"/api/v1/jobs/{done.json()['enrich_job_id']}")).json()
    added_ids = sorted(a["artist_id"] for a in done.json()["artists"] if a["action"] == "add")
    assert (enrich["type"], sorted(enrich["params"]["artist_ids"])) == ("artist.enrich", added_ids)
    assert preview.json()["enrich_job_id"] is None
    artists = {a["name"]: a for a in (await client.get("/api/v1/artists")).json()["items"]}
    assert set(artists) == {"Queen", "Björk", "Daft Punk"}
    daft = (await client.get(f"/api/v1/artists/{artists['Daft Punk']['id']}")).json()
    assert daft["musicbrainz_id"] == "056e4f3e-d505-4dad-8ec1-d04f521cbb56"
    assert daft["monitored"] is True

    again = (await client.post("/api/v1/import/artists", json={**request, "dry_run": False})).json()
    assert (again["added"], again["existing"]) == (0, 3)


async def test_imported_artists_follow_the_monitored_setting(client: httpx.AsyncClient, lidarr: dict[str, Any]) -> None:
    assert (await client.patch("/api/v1/settings", json={"imports.add_monitored": False})).status_code == 200
    request = {"source": "lidarr", "url": lidarr["url"], "api_key": LIDARR_KEY}
    assert (await client.post("/api/v1/import/artists", json=request)).status_code == 200
    assert {a["monitored"] for a in (await client.get("/api/v1/artists")).json()["items"]} == {False}


async def test_lidarr_errors_are_502_problems(client: httpx.AsyncClient, lidarr: dict[str, Any]) -> None:
    wrong_key = await client.post(
        "/api/v1/import/artists", json={"source": "lidarr", "url": lidarr["url"], "api_key": "nope"}
    )
    assert wrong_key.status_code == 502
    assert wrong_key.json()["detail"] == LIDARR_UNREADABLE
    unreachable = await client.post(
        "/api/v1/import/artists", json={"source": "lidarr", "url": "http://127.0.0.1:9", "api_key": "x"}
    )
    assert unreachable.status_code == 502
    missing = await client.post("/api/v1/import/artists", json={"source": "lidarr", "url": lidarr["url"]})
    assert missing.status_code == 422
    assert (await client.post("/api/v1/import/artists", json={"source": "myspace"})).status_code == 422


async def test_lidarr_failures_do_not_tell_an_open_port_from_a_closed_one(
    client: httpx.AsyncClient, lidarr: dict[str, Any]
) -> None:
    """A closed port, an open port answering 404 or 401, and a JSON service that is not Lidarr all
    answer the same problem: the import cannot map the network or read another service's data."""
    closed = "http://127.0.0.1:9"
    answers = []
    for url, key in [
        (closed, "x"),
        (lidarr["url"] + "/nothing", LIDARR_KEY),
        (lidarr["url"], "wrong"),
        (lidarr["url"] + "/other/x", LIDARR_KEY),
    ]:
        response = await client.post("/api/v1/import/artists", json={"source": "lidarr", "url": url, "api_key": key})
        answers.append((response.status_code, response.json()["detail"]))
        assert "internal-db-password" not in response.text
        assert url not in response.text, "the URL is not echoed back"
    assert answers == [(502, LIDARR_UNREADABLE)] * 4


async def test_lidarr_body_size_cap_holds_while_streaming(client: httpx.AsyncClient, lidarr: dict[str, Any]) -> None:
    url = lidarr["url"] + "/huge"
    response = await client.post("/api/v1/import/artists", json={"source": "lidarr", "url": url, "api_key": "k"})
    assert response.status_code == 502
    assert response.json()["detail"] == LIDARR_UNREADABLE
    await anyio.to_thread.run_sync(lidarr["huge_done"].wait, 10)
    assert lidarr.get("huge_finished") is False, "the reader stopped at the cap instead of reading all 64 MiB"
    assert lidarr["huge_sent"] < 40 * 1024 * 1024


async def test_lidarr_on_a_private_address_is_refused_by_the_network_policy(
    client: httpx.AsyncClient, lidarr: dict[str, Any]
) -> None:
    assert (await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": []})).status_code == 200
    request = {"source": "lidarr", "url": lidarr["url"], "api_key": LIDARR_KEY}
    refused = await client.post("/api/v1/import/artists", json=request)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == "urn:mvidarr:problem:network-refused"
    assert "refused by the network policy" in refused.json()["detail"]
    assert "network.allowed_private_hosts" in refused.json()["detail"]
    assert lidarr["requests"] == [], "nothing was sent"
    allowed = await client.patch("/api/v1/settings", json={"network.allowed_private_hosts": ["127.0.0.0/8"]})
    assert allowed.status_code == 200
    assert (await client.post("/api/v1/import/artists", json=request)).status_code == 200


async def test_lastfm_top_artists_and_spotify_followed_artists(
    app: Any, client: httpx.AsyncClient, provider_hub_on_fake: Any
) -> None:
    app.state.providers = provider_hub_on_fake
    lastfm = await client.post(
        "/api/v1/import/artists", json={"source": "lastfm", "user": FAKE_LASTFM_USER, "dry_run": True, "limit": 2}
    )
    assert lastfm.status_code == 200, lastfm.text
    assert [a["name"] for a in lastfm.json()["artists"]] == ["Daft Punk", "Björk"]
    assert lastfm.json()["artists"][0]["musicbrainz_id"] == "056e4f3e-d505-4dad-8ec1-d04f521cbb56"
    unknown = await client.post("/api/v1/import/artists", json={"source": "lastfm", "user": "nobody"})
    assert unknown.status_code == 502

    spotify = await client.post(
        "/api/v1/import/artists", json={"source": "spotify", "access_token": FAKE_SPOTIFY_USER_TOKEN}
    )
    assert spotify.status_code == 200, spotify.text
    names = [a["name"] for a in spotify.json()["artists"]]
    assert names == ["Daft Punk", "Björk", "宇多田ヒカル"]
    stored = (await client.get("/api/v1/artists", params={"page_size": 10})).json()["items"]
    assert {a["name"] for a in stored} == set(names)
    bad = await client.post("/api/v1/import/artists", json={"source": "spotify", "access_token": "expired"})
    assert bad.status_code == 502
    assert "refused the access token" in bad.json()["detail"]
