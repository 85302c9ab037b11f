"""Pages over ASGI: who may see them, where a visitor without a session is sent, what they show,
and how static files are served (content-hash URLs, long caching, the CSP without inline code)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from mvidarr.auth.browser import CONTENT_SECURITY_POLICY
from mvidarr.db import Database
from mvidarr.models import MediaFile, Role, RootFolder
from tests.conftest import TEST_PASSWORD, ClientAs, http_client, make_user
from tests.factories import attach_file, make_artist, make_video

pytestmark = pytest.mark.anyio
PAGES = [
    "/",
    "/artists",
    "/videos",
    "/activity",
    "/settings/library",
    "/settings/general",
    "/profile",
    "/quality",
    "/unmatched",
    "/system",
    "/artists/add",
    "/metadata/review",
    "/trash",
    "/connect",
]


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
    hostile = [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/api/v1/auth/logout",
        "/\t/evil.example",  # ?next=/%09/evil.example: the browser drops the tab and lands on //evil.example
        "/\n/evil.example",
        " //evil.example",
        "/%09/evil.example",  # encoded once more
        "/%5C%5Cevil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/%61pi/v1/auth/logout",
    ]
    for target in hostile:
        login = await anon_client.get("/login", params={"next": target})
        assert 'data-next="/"' in login.text, target
    kept = await anon_client.get("/login", params={"next": "/videos?q=a%20b"})
    assert 'data-next="/videos?q=a%20b"' in kept.text


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
    page = (await manager.get("/settings/library")).text
    assert 'id="root-form"' in page
    assert 'id="settings-form"' not in page
    admin = (await client.get("/settings/general")).text
    assert 'id="settings-form"' in admin
    providers = (await client.get("/settings/providers")).text
    assert 'name="providers.imvdb.api_key" type="password"' in providers
    assert ">Settings</a>" not in (await reader.get("/")).text


async def test_secret_settings_are_never_rendered(client: httpx.AsyncClient) -> None:
    secret = "imvdb-secret-value-123"
    assert (await client.patch("/api/v1/settings", json={"providers.imvdb.api_key": secret})).status_code == 200
    page = (await client.get("/settings/providers")).text
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
    assert '<option value="25" selected>25</option>' in second
    odd = (await client.get("/videos", params={"sort": "title", "page_size": 30})).text
    assert odd.count('<a href="/videos/') == 30
    assert '<option value="30" selected>30</option>' in odd, "the size asked for, not the menu's first"
    assert (
        odd.index('<option value="25">') < odd.index('<option value="30" selected>') < odd.index('<option value="50">')
    )

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


async def test_artist_page_groups_videos_by_year(client: httpx.AsyncClient) -> None:
    artist = await make_artist(client, "Radiohead")
    for title, year in (("Creep", 1992), ("Just", 1995), ("Fake Plastic Trees", 1995), ("Demo", None)):
        await make_video(client, artist["id"], title, **({"year": year} if year else {}))
    page = (await client.get(f"/artists/{artist['id']}")).text  # newest year first by default
    headings = re.findall(
        r'<tr class="year-group" id="year-(\w+)"><th scope="colgroup" colspan="7">'
        r'([^<]+) <span class="muted">· (\d+) videos?</span>',
        page,
    )
    # Where the unknown year falls is the database's order of nulls (last on SQLite, first on PostgreSQL).
    known = [(y, n) for y, _label, n in headings if y != "unknown"]
    assert known == [("1995", "2"), ("1992", "1")]
    assert ("unknown", "Year unknown", "1") in headings
    table = page.split('id="artist-videos"', 1)[1]
    assert table.index('id="year-1995"') < table.index("Fake Plastic Trees") < table.index('id="year-1992"')
    assert table.index('id="year-1992"') < table.index("Creep")
    assert table.index('id="year-unknown"') < table.index("Demo")
    nav = page.split('id="artist-years"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#year-(\w+)"', nav) == [y for y, _label, _n in headings]
    # A page of the list counts each year over all of the artist's videos.
    second = (await client.get(f"/artists/{artist['id']}", params={"page_size": 1, "page": 2})).text
    assert 'id="year-1995"><th scope="colgroup" colspan="7">1995 <span class="muted">· 2 videos</span>' in second
    # Sorted by anything else, the list is one run without year headings.
    by_title = (await client.get(f"/artists/{artist['id']}", params={"sort": "title"})).text
    assert 'class="year-group"' not in by_title
    assert 'id="artist-years" aria-label="Years" hidden' in by_title


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


def _jobs_of(page: str, table_id: str) -> tuple[list[dict[str, Any]], str]:
    """The first-paint jobs of a job table (JSON in data-jobs, drawn by jobs.js) and its data-can-run."""
    found = re.search(rf'<table[^>]* id="{table_id}" data-can-run="(\w+)" data-jobs="([^"]*)"', page)
    assert found is not None, table_id
    return json.loads(html.unescape(found.group(2))), found.group(1)


async def test_activity_lists_the_queue_and_the_history(client: httpx.AsyncClient, client_as: Any) -> None:
    queued = (await client.post("/api/v1/jobs", json={"type": "system.noop", "params": {"sleep_s": 5}})).json()
    page = (await client.get("/activity")).text
    jobs, can_run = _jobs_of(page, "job-queue")
    assert [(j["id"], j["status"]) for j in jobs] == [(queued["id"], "queued")]
    assert can_run == "true"
    assert "<tr data-job-id" not in page, "job rows are drawn by the page script only"
    await client.post(f"/api/v1/jobs/{queued['id']}/cancel")
    page = (await client.get("/activity")).text
    assert _jobs_of(page, "job-queue")[0] == []
    history, _ = _jobs_of(page, "job-history")
    assert (history[0]["id"], history[0]["status"]) == (queued["id"], "cancelled")
    reader = await client_as(Role.READONLY)
    assert _jobs_of((await reader.get("/activity")).text, "job-history")[1] == "false"


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


async def test_page_sizes_stay_within_budget(app: Any, client: httpx.AsyncClient) -> None:
    files = app.state.web_assets.files
    # Vendored Swagger UI is for /api/docs only; no page may load it.
    code = {name: a for name, a in files.items() if name.endswith((".js", ".css")) and not name.startswith("vendor/")}
    shared = sum(len(a.body) for name, a in code.items() if not name.startswith("js/pages/"))
    assert 20 * 1024 < shared < 150 * 1024
    pages = [name for name in code if name.startswith("js/pages/")]
    assert len(pages) >= 12
    for name in pages:
        assert len(code[name].body) < 40 * 1024, name
    for path in PAGES:
        assert "/vendor/" not in (await client.get(path)).text, path


async def test_profile_page_shows_sessions_keys_two_factor_and_themes(app: Any) -> None:
    await make_user(app, "pat", Role.ADMIN)
    async with http_client(app) as browser:
        signed_in = await browser.post("/api/v1/auth/login", json={"username": "pat", "password": TEST_PASSWORD})
        browser.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        key = (await browser.post("/api/v1/api-keys", json={"name": "Home Assistant", "role": "user"})).json()
        page = await browser.get("/profile")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert 'id="password-change"' in html
    assert 'id="tfa-start"' in html
    assert 'data-enabled="false"' in html
    assert f'data-key-id="{key["id"]}"' in html
    assert "Home Assistant" in html
    assert key["key"] not in html  # shown once, in the API's answer, never again
    assert ">This session<" in html
    for theme_id in ("light", "dark", "cyber", "vaporwave", "tardis", "punk77", "mtv", "lcars"):
        assert f'name="profile-theme" value="{theme_id}"' in html
        assert f'<option value="{theme_id}"' in html  # the user menu's theme select
    assert '<option value="admin" selected>' in html
    # Swatches are SVG presentation attributes: no style attribute for the CSP to refuse.
    assert " style=" not in html
    assert 'fill="#000000"' in html


async def test_profile_page_for_a_reader_offers_only_their_role(client_as: Any) -> None:
    reader = await client_as(Role.READONLY)
    html = (await reader.get("/profile")).text
    assert '<option value="readonly" selected>' in html
    assert '<option value="admin"' not in html


async def _unmatched_file(db: Database, name: str) -> int:
    async with db.writer() as session:
        root = RootFolder(path="/srv/unmatched", name="lib")
        session.add(root)
        await session.flush()
        media = MediaFile(video_id=None, root_folder_id=root.id, relative_path=name, size=2048, mtime=1.0)
        session.add(media)
        await session.commit()
        return media.id


async def test_quality_page_lists_upgrade_candidates_and_profiles(client: httpx.AsyncClient, db: Database) -> None:
    shipped = {p["name"]: p for p in (await client.get("/api/v1/quality-profiles")).json()}
    artist = await make_artist(client, "Tricky", quality_profile_id=shipped["Full HD 1080p"]["id"])
    low = await make_video(client, artist["id"], "Black Steel")
    await attach_file(db, low["id"], "/srv/lib", quality_label="360p", quality_score=100.0, height=360)
    good = await make_video(client, artist["id"], "Hell Is Round the Corner")
    await attach_file(db, good["id"], "/srv/lib", quality_label="1080p")
    html = (await client.get("/quality")).text
    table = html[html.index('id="cutoff-unmet"') : html.index("</table>", html.index('id="cutoff-unmet"'))]
    assert "Black Steel" in table
    assert "Hell Is Round the Corner" not in table
    for chart in ("by_label", "by_video_codec", "by_audio_codec", "by_container", "by_hdr"):
        assert f'data-chart="{chart}"' in html
    profiles = (await client.get("/api/v1/quality-profiles")).json()
    assert profiles
    assert all(f'data-profile-id="{p["id"]}"' in html for p in profiles)
    assert 'id="profile-form-new"' in html


async def test_quality_page_is_read_only_for_readers(client_as: Any) -> None:
    reader = await client_as(Role.READONLY)
    html = (await reader.get("/quality")).text
    assert "Cutoff unmet" in html
    assert "profile-form" not in html


async def test_unmatched_page_lists_files_with_match_forms_for_managers(
    client: httpx.AsyncClient, client_as: Any, db: Database
) -> None:
    file_id = await _unmatched_file(db, "mystery clip.mp4")
    html = (await client.get("/unmatched")).text
    assert "mystery clip.mp4" in html
    assert f'<form class="match-form" data-file-id="{file_id}"' in html
    reader = await client_as(Role.READONLY)
    read_only = (await reader.get("/unmatched")).text
    assert "mystery clip.mp4" in read_only
    assert "match-form" not in read_only


async def test_system_page_shows_health_jobs_and_versions_to_admins(client: httpx.AsyncClient, client_as: Any) -> None:
    job = (await client.post("/api/v1/jobs", json={"type": "system.noop", "params": {}})).json()
    html = (await client.get("/system")).text
    assert 'data-check="database" data-ok="true"' in html
    assert f'data-job-id="{job["id"]}"' in html
    assert "<code>system.noop</code>" in html
    assert 'id="about"' in html
    assert "yt-dlp" in html
    reader = (await (await client_as(Role.READONLY)).get("/system")).text
    assert 'data-check="database"' in reader
    assert 'id="about"' not in reader


async def test_about_names_the_versions(client: httpx.AsyncClient, client_as: Any) -> None:
    about = (await client.get("/api/v1/system/about")).json()
    assert about["version"]
    assert about["yt_dlp"]
    assert about["pyav"]
    assert about["ffmpeg"]
    assert about["database"] in ("sqlite", "postgresql")
    assert about["database_version"]
    manager = await client_as(Role.MANAGER)
    assert (await manager.get("/api/v1/system/about")).status_code == 403


async def test_settings_page_gives_admins_schedules_users_and_keys(client: httpx.AsyncClient, client_as: Any) -> None:
    manager = await client_as(Role.MANAGER)
    key = (await manager.post("/api/v1/api-keys", json={"name": "manager script"})).json()
    html = "".join([(await client.get(f"/settings/{slug}")).text for slug in ("library", "schedules", "users")])
    schedules = (await client.get("/api/v1/schedules")).json()
    assert schedules
    for schedule in schedules:
        assert f'data-schedule-id="{schedule["id"]}"' in html
    assert f'data-key-id="{key["id"]}"' in html
    assert "manager script" in html
    assert 'id="user-form"' in html
    assert 'id="scan-all"' in html
    managers = (await manager.get("/settings/library")).text
    assert 'id="scan-all"' in managers
    assert 'id="schedules"' not in managers
    assert 'id="users"' not in managers
    assert "manager script" not in managers


async def test_artists_grid_filters_and_bulk_controls(client: httpx.AsyncClient, client_as: Any) -> None:
    await make_artist(client, "Goldfrapp", genres=["electronic"])
    await make_artist(client, "Metallica", genres=["metal"], monitored=False)
    grid = (await client.get("/artists", params={"view": "grid", "sort": "-name"})).text
    assert 'class="artist-grid"' in grid
    assert grid.index("Metallica") < grid.index("Goldfrapp")
    assert 'id="artist-bulk"' in grid
    assert 'name="selected"' in grid
    by_genre = (await client.get("/artists", params={"genre": "metal"})).text
    assert "Metallica" in by_genre
    assert "Goldfrapp" not in by_genre
    unmonitored = (await client.get("/artists", params={"monitored": "false"})).text
    assert "Goldfrapp" not in unmonitored
    reader = (await (await client_as(Role.READONLY)).get("/artists")).text
    assert 'id="artist-bulk"' not in reader
    assert 'name="selected"' not in reader


async def test_artist_page_has_monitoring_toggles_for_managers(client: httpx.AsyncClient, client_as: Any) -> None:
    artist = await make_artist(client, "Röyksopp", musicbrainz_id="1c70a3fc-fa3c-4be1-8b55-c3192db8a884")
    html = (await client.get(f"/artists/{artist['id']}")).text
    assert 'id="artist-settings"' in html
    assert '<input type="checkbox" name="monitored" checked>' in html
    assert 'href="https://musicbrainz.org/artist/1c70a3fc-fa3c-4be1-8b55-c3192db8a884"' in html
    reader = (await (await client_as(Role.READONLY)).get(f"/artists/{artist['id']}")).text
    assert 'id="artist-settings"' not in reader


async def test_api_docs_are_self_hosted(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy  # no CDN
    assert "<script>" not in response.text
    scripts = re.findall(r'<script src="([^"]+)"></script>', response.text)
    assert [s.rsplit("/", 1)[-1] for s in scripts] == ["swagger-ui-bundle.js", "api-docs.js"]
    for url in [*scripts, *_assets(response.text)]:
        assert (await client.get(url)).status_code == 200, url
    licence = await client.get(scripts[0].replace("swagger-ui-bundle.js", "LICENSE"))
    assert "Apache License" in licence.text


async def test_dashboard_warns_about_failing_health_checks(client: httpx.AsyncClient, tmp_path: Any) -> None:
    assert "Health warnings" not in (await client.get("/")).text
    folder = tmp_path / "gone"
    folder.mkdir()
    assert (await client.post("/api/v1/root-folders", json={"path": str(folder)})).status_code == 201
    folder.rmdir()
    html = (await client.get("/")).text
    assert "Health warnings" in html
    assert str(folder) in html  # admins see the reason


async def test_connect_page_shows_media_servers_to_admins_only(client: httpx.AsyncClient, client_as: ClientAs) -> None:
    admin_page = (await client.get("/connect")).text
    assert 'id="targets"' in admin_page
    assert 'id="connections"' in admin_page
    assert 'value="script"' in admin_page
    assert 'value="ytdlp.update_available"' in admin_page
    manager_page = await (await client_as(Role.MANAGER)).get("/connect")
    assert manager_page.status_code == 200
    assert 'id="targets"' in manager_page.text
    assert 'id="connections"' not in manager_page.text
    assert 'value="script"' not in manager_page.text
    user_page = await (await client_as(Role.USER)).get("/connect")
    assert user_page.status_code in (303, 403)
