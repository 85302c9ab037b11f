"""Pages over ASGI: who may see them, where a visitor without a session is sent, what they show,
and how static files are served (content-hash URLs, long caching, the CSP without inline code)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mvidarr.auth.browser import CONTENT_SECURITY_POLICY
from mvidarr.db import Database
from mvidarr.models import Role
from tests.conftest import http_client, make_user
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio
PAGES = ["/", "/artists", "/videos", "/activity", "/settings"]


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


async def test_first_visit_without_any_account_goes_to_setup(anon_client: httpx.AsyncClient) -> None:
    for path in ["/", "/videos", "/login"]:
        response = await anon_client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/setup"
    setup = await anon_client.get("/setup")
    assert setup.status_code == 200
    assert 'id="setup-form"' in setup.text


async def test_pages_without_a_session_go_to_sign_in(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "someone", Role.ADMIN)
    assert (await anon_client.get("/setup")).headers["location"] == "/login"
    response = await anon_client.get("/videos?status=wanted&page=2")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fvideos%3Fstatus%3Dwanted%26page%3D2"
    assert (await anon_client.get("/")).headers["location"] == "/login"
    login = await anon_client.get("/login", params={"next": "/videos"})
    assert login.status_code == 200
    assert 'data-next="/videos"' in login.text


async def test_sign_in_page_ignores_next_pointing_elsewhere(app: Any, anon_client: httpx.AsyncClient) -> None:
    await make_user(app, "someone", Role.ADMIN)
    for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/api/v1/auth/logout"]:
        login = await anon_client.get("/login", params={"next": target})
        assert 'data-next="/"' in login.text, target


async def test_signed_in_visitor_of_the_sign_in_page_goes_on(client: httpx.AsyncClient) -> None:
    response = await client.get("/login", params={"next": "/activity"})
    assert response.status_code == 303
    assert response.headers["location"] == "/activity"


async def test_every_page_renders_with_the_shell(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache, private"
        assert 'id="live-banner"' in response.text
        assert 'aria-current="page"' in response.text
        # The CSP allows no inline script or style: none may be in the markup.
        assert "<script>" not in response.text
        assert " style=" not in response.text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
        assert scripts
        assert all(' src="/static/' in attributes and not body.strip() for attributes, body in scripts)
        for url in _assets(response.text):
            assert (await client.get(url)).status_code == 200, url


async def test_settings_page_needs_a_manager_and_shows_runtime_settings_to_admins(
    client: httpx.AsyncClient, client_as: Any
) -> None:
    reader = await client_as(Role.READONLY)
    refused = await reader.get("/settings")
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    manager = await client_as(Role.MANAGER)
    page = (await manager.get("/settings")).text
    assert 'id="root-form"' in page
    assert 'id="settings-form"' not in page
    admin = (await client.get("/settings")).text
    assert 'id="settings-form"' in admin
    assert 'name="providers.imvdb.api_key" type="password"' in admin
    assert ">Settings</a>" not in (await reader.get("/")).text


async def test_secret_settings_are_never_rendered(client: httpx.AsyncClient) -> None:
    secret = "imvdb-secret-value-123"
    assert (await client.patch("/api/v1/settings", json={"providers.imvdb.api_key": secret})).status_code == 200
    page = (await client.get("/settings")).text
    assert secret not in page
    assert "Saved; type to replace" in page


async def test_video_list_filters_sorts_and_pages_on_the_server(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Portishead")
    for index in range(30):
        await make_video(client, artist["id"], f"Song {index:02d}", year=1990 + index % 10)
    other = await make_artist(client, "Massive Attack")
    teardrop = await make_video(client, other["id"], "Teardrop", status="downloaded")
    await attach_file(db, teardrop["id"], "/srv/lib", quality_label="720p")

    page = (await client.get("/videos", params={"sort": "title", "page_size": 25})).text
    assert page.count('<a href="/videos/') == 25
    assert "Page 1 of 2" in page
    assert page.index("Song 00") < page.index("Song 01")
    second = (await client.get("/videos", params={"sort": "title", "page_size": 25, "page": 2})).text
    assert "Teardrop" in second
    assert "Page 2 of 2" in second

    found = (await client.get("/videos", params={"q": "teardrop"})).text
    assert found.count('<a href="/videos/') == 1
    assert (await client.get("/videos", params={"quality_label": "720p"})).text.count('<a href="/videos/') == 1
    assert (await client.get("/videos", params={"has_file": "false"})).text.count('<a href="/videos/') == 30
    years = (await client.get("/videos", params={"year_min": 1999, "year_max": 1999})).text
    assert years.count('<a href="/videos/') == 3

    # A hand-edited, nonsensical query shows the default list instead of an error.
    odd = await client.get("/videos", params={"page": "x", "sort": "nope", "status": "bogus", "year_min": "1"})
    assert odd.status_code == 200
    assert "Page 1 of 1" in odd.text


async def test_artist_pages(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Björk", country="IS", biography="Icelandic singer.")
    await make_video(client, artist["id"], "Army of Me", year=1995)
    await make_artist(client, "Air")
    listing = (await client.get("/artists", params={"sort": "-name"})).text
    assert listing.index("Björk") < listing.index(">Air<")
    assert "bjork" not in listing
    assert "Björk" in (await client.get("/artists", params={"q": "bjork"})).text
    detail = await client.get(f"/artists/{artist['id']}")
    assert detail.status_code == 200
    assert "Icelandic singer." in detail.text
    assert "Army of Me" in detail.text
    missing = await client.get("/artists/999999")
    assert missing.status_code == 404
    assert "There is no artist 999999." in missing.text


async def test_video_page_shows_the_player_and_locked_fields(client: httpx.AsyncClient, db: Database) -> None:
    artist = await make_artist(client, "Daft Punk")
    video = await make_video(client, artist["id"], "Around the World")
    without_file = (await client.get(f"/videos/{video['id']}")).text
    assert "<video" not in without_file
    assert "No file for this video yet." in without_file
    await client.patch(f"/api/v1/videos/{video['id']}", json={"album": "Homework"})
    await attach_file(db, video["id"], "/srv/lib")
    page = (await client.get(f"/videos/{video['id']}")).text
    assert f'src="/api/v1/videos/{video["id"]}/stream"' in page
    assert re.search(r'name="lock" value="album" checked', page)
    assert not re.search(r'name="lock" value="title" checked', page)
    assert (await client.get("/videos/999999")).status_code == 404


async def test_readers_see_no_edit_form(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Moby")
    video = await make_video(client, artist["id"], "Porcelain", album="Play")
    reader = await client_as(Role.READONLY)
    page = (await reader.get(f"/videos/{video['id']}")).text
    assert 'id="video-form"' not in page
    assert "Play" in page


async def test_activity_lists_the_queue_and_the_history(client: httpx.AsyncClient, client_as: Any) -> None:
    queued = (await client.post("/api/v1/jobs", json={"type": "system.noop", "params": {"sleep_s": 5}})).json()
    page = (await client.get("/activity")).text
    assert f'data-job-id="{queued["id"]}" data-status="queued"' in page
    assert f'aria-label="Cancel job {queued["id"]}"' in page
    await client.post(f"/api/v1/jobs/{queued['id']}/cancel")
    page = (await client.get("/activity")).text
    assert f'aria-label="Retry job {queued["id"]}"' in page
    reader = await client_as(Role.READONLY)
    assert "Retry job" not in (await reader.get("/activity")).text


async def test_theme_comes_from_the_preferences_or_the_default(client: httpx.AsyncClient) -> None:
    assert '<html lang="en" data-theme="system">' in (await client.get("/")).text
    await client.patch("/api/v1/settings", json={"ui.default_theme": "light"})
    assert 'data-theme="light"' in (await client.get("/")).text
    await client.patch("/api/v1/auth/me/preferences", json={"theme": "dark"})
    assert 'data-theme="dark"' in (await client.get("/")).text


async def test_static_files_have_content_hash_urls_and_long_caching(app: Any, client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    css = next(url for url in _assets(page) if url.endswith("app.css"))
    response = await client.get(css)
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    again = await client.get(css, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    module = await client.get(css.replace("css/app.css", "js/pages/videos.js"))
    assert module.headers["content-type"].startswith("text/javascript")
    stale = await client.get(re.sub(r"/static/[0-9a-f]+/", "/static/0123456789ab/", css))
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"
    assert (await client.get(css.replace("app.css", "nope.css"))).status_code == 404
    async with http_client(app) as anonymous:
        assert (await anonymous.get(css)).status_code == 200


async def test_page_sizes_stay_within_budget(app: Any) -> None:
    files = app.state.web_assets.files
    shared = sum(len(a.body) for name, a in files.items() if not name.startswith("js/pages/"))
    assert shared < 150 * 1024
    for name, asset in files.items():
        if name.startswith("js/pages/"):
            assert len(asset.body) < 40 * 1024, name
