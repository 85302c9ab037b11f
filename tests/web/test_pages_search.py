"""The search page over ASGI: ranked results with the matching letters marked, the kind filter, the
typo notice, pages, and escaping of what users typed."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import make_artist, make_video

pytestmark = pytest.mark.anyio


async def test_search_page_lists_marked_results(client: httpx.AsyncClient) -> None:
    bjork = await make_artist(client, "Björk")
    army = await make_video(client, bjork["id"], "Army of Me")
    page = (await client.get("/search", params={"q": "bjo"})).text
    assert '<span class="muted">(2)</span>' in page
    assert f'<a href="/artists/{bjork["id"]}"><mark>Bjö</mark>rk</a>' in page
    assert f'<a href="/videos/{army["id"]}">Army of Me</a>' in page
    assert '<span class="muted"><mark>Bjö</mark>rk</span>' in page
    assert 'id="search-as-videos"' in page
    assert 'href="/videos?q=bjo"' in page

    videos_only = (await client.get("/search", params={"q": "bjo", "kind": "video"})).text
    assert f'href="/artists/{bjork["id"]}"' not in videos_only
    assert 'option value="video" selected' in videos_only

    typo = (await client.get("/search", params={"q": "armmy"})).text
    assert 'id="search-corrected"' in typo
    assert "<strong>army</strong>" in typo
    assert "<mark>Army</mark> of Me" in typo

    nothing = (await client.get("/search", params={"q": "<script>zz"})).text
    assert 'id="search-empty"' in nothing
    assert "<script>zz" not in nothing
    assert "&lt;script&gt;zz" in nothing

    empty = await client.get("/search")
    assert empty.status_code == 200
    assert 'id="search-results"' not in empty.text


async def test_search_page_pages(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Pager")
    for n in range(23):
        await make_video(client, artist["id"], f"Song {n:02d}")
    first = (await client.get("/search", params={"q": "song"})).text
    assert first.count('<li data-kind="video"') == 20
    assert 'rel="next" href="/search?q=song&amp;page=2"' in first
    second = (await client.get("/search", params={"q": "song", "page": "2"})).text
    assert second.count('<li data-kind="video"') == 3
    assert 'rel="prev"' in second
    assert "21\u201323 of 23" in second
