"""Playlists in search (#22): found by name as the index is written, a private one by its owner
(and admins) alone, and the owner's name as the detail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mvidarr.models import Role
from tests.conftest import ClientAs

pytestmark = pytest.mark.anyio


async def _found(client: httpx.AsyncClient, q: str, **params: Any) -> list[tuple[str, str, str]]:
    answer = await client.get("/api/v1/search", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return [(i["kind"], i["label"], i["url"]) for i in answer.json()["items"]]


async def _suggested(client: httpx.AsyncClient, q: str) -> list[str]:
    answer = await client.get("/api/v1/search/suggestions", params={"q": q})
    assert answer.status_code == 200, answer.text
    return [i["label"] for i in answer.json()["items"] if i["kind"] == "playlist"]


async def test_playlists_are_found_public_by_all_private_by_their_owner(
    client: httpx.AsyncClient, client_as: ClientAs
) -> None:
    alice, bob = await client_as(Role.USER), await client_as(Role.USER)
    mix = (await alice.post("/api/v1/playlists", json={"name": "Trip-Hop Nächte", "public": True})).json()
    secret = (await alice.post("/api/v1/playlists", json={"name": "Trip Secrets"})).json()

    assert await _found(bob, "nachte") == [("playlist", "Trip-Hop Nächte", f"/playlists/{mix['id']}")]
    assert [label for _, label, _ in await _found(bob, "trip")] == ["Trip-Hop Nächte"]
    assert sorted(label for _, label, _ in await _found(alice, "trip")) == ["Trip Secrets", "Trip-Hop Nächte"]
    assert sorted(label for _, label, _ in await _found(client, "trip")) == ["Trip Secrets", "Trip-Hop Nächte"]
    assert await _suggested(bob, "secr") == []
    assert await _suggested(alice, "secr") == ["Trip Secrets"]
    page = (await bob.get("/api/v1/search", params={"q": "trip", "kind": "playlist"})).json()
    assert page["total"] == 1, "the count leaves out what the caller may not find"
    detail = (await alice.get("/api/v1/search", params={"q": "secrets"})).json()["items"][0]["detail"]
    assert detail.startswith("user-"), "the owner's name is the detail"

    # Renamed, made public, deleted: the index follows in the same transaction.
    changed = await alice.patch(f"/api/v1/playlists/{secret['id']}", json={"name": "Downtempo", "public": True})
    assert changed.status_code == 200, changed.text
    assert await _found(bob, "secrets") == []
    assert await _found(bob, "downtempo") == [("playlist", "Downtempo", f"/playlists/{secret['id']}")]
    assert (await alice.delete(f"/api/v1/playlists/{mix['id']}")).status_code == 204
    assert await _found(bob, "nachte") == []


async def test_the_search_page_lists_playlists(client: httpx.AsyncClient) -> None:
    playlist = (await client.post("/api/v1/playlists", json={"name": "Sunday Morning"})).json()
    page = await client.get("/search", params={"q": "sunday", "kind": "playlist"})
    assert page.status_code == 200
    assert f'<a href="/playlists/{playlist["id"]}"><mark>Sunday</mark> Morning</a>' in page.text
    assert 'option value="playlist" selected' in page.text
