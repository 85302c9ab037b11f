"""Web flows that talk to the metadata providers, in a real browser: Playwright driving Debian's
Chromium against a `mvidarr serve` subprocess whose providers all point at the fake upstream
(tests/fakes/upstream.py, a real HTTP server on 127.0.0.1 in a thread of this process). Every page
load is watched for console errors and failed requests, and scanned with axe."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tests.fakes.upstream import FAKE_LASTFM_USER, FakeUpstream, serve
from tests.fixtures.media import STANDARD_CLIPS, make_clip
from tests.web.browser import (
    BROWSER_MARKS,
    PHONE,
    TIMEOUT_MS,
    Server,
    Tab,
    axe_problems,
    axe_source,
    browser,
    server,
    sign_in,
    tab,
)

pytestmark = BROWSER_MARKS
__all__ = ["browser", "server", "tab"]  # fixtures, used by name
PROXY = "/api/v1/providers/image?url="
DASH = "\N{EN DASH}"  # between artist and title in labels


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeUpstream]:
    """The fake upstream, serving every provider (and their pictures) on 127.0.0.1."""
    with serve() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def on_fake(server: Server, fake: FakeUpstream) -> Server:
    """The module's server with every provider sent to the fake, as an admin would set it up in
    the settings. The fake is on a loopback address, so private fetches are allowed."""
    with server.api(server.admin_token()) as api:
        saved = api.patch("/settings", json=fake.settings() | {"network.allowed_private_hosts": ["127.0.0.1"]})
        assert saved.status_code == 200, saved.text
        # The server reads provider settings again within seconds; wait until it has.
        deadline = time.monotonic() + 10
        while not next(p for p in api.get("/providers").json() if p["name"] == "imvdb")["configured"]:
            assert time.monotonic() < deadline, "the server did not pick up the provider settings"
            time.sleep(0.2)
    return server


def finished_job(api: httpx.Client, job_id: int, within_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while (job := api.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job {job_id} did not finish: {job}"
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    return dict(job)


def artist_named(api: httpx.Client, name: str) -> int:
    """The library artist of that name, added (without enrichment) if missing."""
    found = [a for a in api.get("/artists", params={"q": name}).json()["items"] if a["name"] == name]
    if found:
        return int(found[0]["id"])
    made = api.post("/artists", params={"enrich": "false"}, json={"name": name})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def doubtful_video(api: httpx.Client, title: str, duration_s: int) -> int:
    """A Daft Punk video enrichment is not sure about: it waits in the review list."""
    video = api.post(
        "/videos", json={"artist_id": artist_named(api, "Daft Punk"), "title": title, "duration_s": duration_s}
    )
    assert video.status_code == 201, video.text
    video_id = int(video.json()["id"])
    finished_job(api, api.post(f"/videos/{video_id}/enrich").json()["id"])
    review = api.get("/metadata/review", params={"video_id": video_id}).json()
    assert review["total"] == 1, review
    return video_id


def pictures_shown(page: Any, selector: str) -> int:
    """How many provider pictures under `selector` came through the proxy and were drawn."""
    page.wait_for_function(
        """(selector) => {
          const imgs = [...document.querySelectorAll(selector)];
          return imgs.length > 0 && imgs.every((img) => img.complete);
        }""",
        arg=selector,
    )
    return int(
        page.evaluate(
            """([selector, proxy]) => [...document.querySelectorAll(selector)]
              .filter((img) => img.getAttribute('src').startsWith(proxy) && img.naturalWidth > 0).length""",
            [selector, PROXY],
        )
    )


def assert_accessible(page: Any) -> None:
    problems = axe_problems(page, axe_source())
    assert not problems, "\n".join(problems)


@pytest.fixture
def strict_matching(on_fake: Server) -> Iterator[None]:
    """Matches below 99% wait for review, so the fake's near misses land in the review list."""
    with on_fake.api(on_fake.admin_token()) as api:
        assert api.patch("/settings", json={"metadata.match_threshold": 0.99}).status_code == 200
        try:
            yield
        finally:
            assert api.patch("/settings", json={"metadata.match_threshold": None}).status_code == 200


# ----------------------------------------------------------------- flows


def test_add_an_artist_from_candidates_with_pictures(tab: Tab, on_fake: Server, fake: FakeUpstream) -> None:
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/artists/add")
    tab.live()
    page.fill("#lookup-q", "Björk")  # the other flows use Daft Punk
    page.click("#lookup-form button[type=submit]")
    row = page.locator("#candidates tbody tr[data-candidate]").filter(has=page.locator("strong", has_text="Björk"))
    row.first.wait_for()
    assert page.locator("#lookup-status").inner_text().endswith("candidates.")  # no provider failed
    # The candidate's picture comes from the provider through our own origin (the CSP allows no other).
    assert pictures_shown(page, "#candidates img.provider-thumb") >= 1
    assert row.first.locator("img.provider-thumb").count() == 1
    assert any(r.path.endswith(".jpg") for r in fake.sent("images"))
    tab.shot("artist-add-candidates")
    assert_accessible(page)

    row.first.get_by_role("button", name=re.compile(r"^Add Björk")).click()
    page.wait_for_selector(".toast:has-text('Added Björk')")
    assert row.first.get_by_role("link", name=re.compile("in the library")).is_visible()
    page.locator("#add-job").get_by_role("link", name="Open Björk").click()
    page.wait_for_url(re.compile(r"/artists/\d+$"))
    assert page.locator("h1").inner_text().startswith("Björk")
    tab.live()
    assert_accessible(page)
    artist_id = int(page.url.rsplit("/", 1)[1])
    with on_fake.api(on_fake.admin_token()) as api:
        artist = api.get(f"/artists/{artist_id}").json()
    assert artist["musicbrainz_id"] == "87c5dedd-371d-4a53-9f7f-80522fb7f3cb"  # added with the candidate's ids


def test_review_list_applies_a_match(tab: Tab, on_fake: Server, strict_matching: None) -> None:
    with on_fake.api(on_fake.admin_token()) as api:
        video_id = doubtful_video(api, "Around the Worlds", duration_s=300)
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/metadata/review?kind=video")
    tab.live()
    item = page.locator(".review-item").filter(has=page.locator(f'a[href="/videos/{video_id}"]'))
    item.wait_for()
    assert pictures_shown(page, ".review-item img.provider-thumb") >= 1
    tab.shot("review-with-pictures")
    assert_accessible(page)
    apply = item.locator('button[data-provider="imvdb"][data-provider-id="5001"]')
    assert apply.get_attribute("aria-label").startswith(f"Apply Daft Punk {DASH} Around the World (imvdb)")
    apply.click()
    page.wait_for_selector(".toast:has-text('Matched to imvdb 5001')")
    assert item.count() == 0
    with on_fake.api(on_fake.admin_token()) as api:
        job = api.get("/jobs", params={"type": "video.enrich", "page_size": 1}).json()["items"][0]
        finished_job(api, job["id"])
        video = api.get(f"/videos/{video_id}").json()
    assert video["imvdb_id"] == 5001
    assert video["title"] == "Around the World"
    assert "imvdb_id" in video["locked_fields"]


def test_video_page_match_candidates_apply_one(tab: Tab, on_fake: Server, strict_matching: None) -> None:
    with on_fake.api(on_fake.admin_token()) as api:
        video_id = doubtful_video(api, "Get Lucki", duration_s=250)
    sign_in(tab, on_fake)
    page = tab.page
    tab.go(f"/videos/{video_id}")
    tab.live()
    page.evaluate("window.stayed = true")  # the new metadata is shown in place, not by a reload
    assert page.locator("#video-title").inner_text() == "Get Lucki"
    candidates = page.locator("#match-list li")
    candidates.first.wait_for()
    assert re.fullmatch(r"\d+ candidates?; the best scored \d+%\.", page.locator("#match-status").inner_text())
    assert pictures_shown(page, "#match-list img") >= 1
    tab.shot("video-match-candidates")
    assert_accessible(page)
    page.set_viewport_size(PHONE)  # the candidate list fits a phone
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.set_viewport_size({"width": 1280, "height": 860})
    chosen = page.locator('#match-list li[data-provider="imvdb"][data-provider-id="5002"]')
    assert chosen.locator("span.muted").inner_text().startswith("IMVDb 5002")
    chosen.get_by_role("button", name=re.compile(rf"^Use Daft Punk {DASH} Get Lucky \(IMVDb 5002\)")).click()
    # The enrichment the match starts fills in the rest; the page then shows the new metadata.
    page.wait_for_selector("#video-title:text-is('Get Lucky')", timeout=TIMEOUT_MS * 3)
    sources = page.locator("#video-sources").inner_text()
    assert "IMVDb id 5002" in sources
    assert "YouTube id" in sources
    page.wait_for_selector("#match-status:has-text('No candidates are waiting')")
    assert candidates.count() == 0
    assert page.evaluate("window.stayed") is True
    assert page.title().startswith("Get Lucky")
    assert page.locator("#f-title").input_value() == "Get Lucky"  # the form holds the new values
    assert_accessible(page)
    with on_fake.api(on_fake.admin_token()) as api:
        video = api.get(f"/videos/{video_id}").json()
    assert (video["imvdb_id"], video["title"]) == (5002, "Get Lucky")


def test_settings_provider_test_button_shows_the_result(tab: Tab, on_fake: Server, fake: FakeUpstream) -> None:
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/settings/providers")
    tab.live()
    card = page.locator('form.provider[data-provider="spotify"]')
    before = len(fake.sent("spotify"))
    card.get_by_role("button", name="Test spotify").click()
    page.wait_for_selector(".toast.success:has-text('spotify: works.')")
    state = "form[data-provider='{}'] .provider-state"
    page.wait_for_selector(state.format("spotify") + "[data-state='ok']")
    assert re.fullmatch(r"Works \(\d+ ms\): .+", card.locator(".provider-detail").inner_text())
    assert len(fake.sent("spotify")) > before  # a real call reached the (fake) provider
    # A provider that refuses the key says so.
    with on_fake.api(on_fake.admin_token()) as api:
        assert api.patch("/settings", json={"providers.lastfm.api_key": "wrong-key"}).status_code == 200
    try:
        lastfm = page.locator('form.provider[data-provider="lastfm"]')
        lastfm.get_by_role("button", name="Test lastfm").click()
        page.wait_for_selector(".toast.error:has-text('lastfm: failed.')")
        page.wait_for_selector(state.format("lastfm") + ":not([data-state='ok'])")
        assert re.fullmatch(r"Failed \(\d+ ms\): .*Invalid API key.*", lastfm.locator(".provider-detail").inner_text())
        assert_accessible(page)
    finally:
        with on_fake.api(on_fake.admin_token()) as api:
            restored = api.patch(
                "/settings", json={"providers.lastfm.api_key": fake.settings()["providers.lastfm.api_key"]}
            )
            assert restored.status_code == 200


def test_settings_cookies_upload_shows_what_is_stored(tab: Tab, on_fake: Server) -> None:
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/settings/downloads")
    tab.live()
    status = page.locator("#cookies-status")
    page.wait_for_function("() => document.getElementById('cookies-status').textContent !== 'Checking…'")
    assert status.inner_text() == "No cookies file is stored."
    assert page.locator("#cookies-delete").is_hidden()
    cookies = (
        b"# Netscape HTTP Cookie File\n"
        b".youtube.com\tTRUE\t/\tTRUE\t2147483647\tPREF\tf6=40000000\n"
        b"#HttpOnly_.youtube.com\tTRUE\t/\tTRUE\t2147483647\tSID\tsecret-value\n"
    )
    page.set_input_files("#cookies-file", files=[{"name": "cookies.txt", "mimeType": "text/plain", "buffer": cookies}])
    page.click("#cookies-form button[type=submit]")
    page.wait_for_selector(".toast:has-text('Cookies file saved.')")
    assert status.inner_text().startswith(f"A cookies file is stored ({len(cookies)} bytes")
    assert "secret-value" not in page.content()
    assert page.locator("#cookies-delete").is_visible()
    page.reload()  # what is stored is read back from the server
    page.wait_for_selector(f"#cookies-status:has-text('({len(cookies)} bytes')")
    assert_accessible(page)
    # Not a cookies file: the form says why, and what is stored stays.
    tab.watch.allow(r"422 PUT .*/api/v1/downloads/cookies")
    tab.watch.allow(r"status of 422")
    page.set_input_files("#cookies-file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    page.click("#cookies-form button[type=submit]")
    page.wait_for_selector("#cookies-form .form-error:not([hidden])")
    assert status.inner_text().startswith(f"A cookies file is stored ({len(cookies)} bytes")
    page.click("#cookies-delete")
    page.click("dialog button[value=yes]")
    page.wait_for_selector("#cookies-status:text-is('No cookies file is stored.')")


def test_settings_monitors_create_check_and_list_items(tab: Tab, on_fake: Server, fake: FakeUpstream) -> None:
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/settings/discovery")
    tab.live()
    channel = "https://www.youtube.com/channel/UC_kRDKYrUlrbtrSiyu5Tflg"
    page.fill("#monitor-url", channel)
    page.fill("#monitor-name", "Daft Punk uploads")
    page.fill("#monitor-interval", "12")
    page.click("#monitor-form button[type=submit]")
    row = page.locator("#monitors tbody tr[data-monitor-id]").filter(has_text="Daft Punk uploads")
    row.wait_for()  # the page reloads with the new monitor
    assert row.locator("a").first.inner_text() == channel
    assert row.locator('input[data-field="check_interval_hours"]').input_value() == "12"
    assert_accessible(page)

    row.get_by_role("button", name="Check Daft Punk uploads now").click()
    page.wait_for_selector("#monitor-job:has-text('Check: job')")
    job_id = int(re.search(r"job (\d+)", page.locator("#monitor-job").inner_text()).group(1))  # type: ignore[union-attr]
    with on_fake.api(on_fake.admin_token()) as api:
        finished_job(api, job_id)
    assert any(r.path == "/playlistItems" for r in fake.sent("youtube"))  # listed through the (fake) Data API
    row.get_by_role("button", name="Items seen in Daft Punk uploads").click()
    page.wait_for_selector("#monitor-items:not([hidden]) tbody tr")
    assert page.locator("#monitor-items h3").inner_text().startswith("Items of Daft Punk uploads")
    assert page.locator("#monitor-items tbody").inner_text().count("Get Lucky") == 1
    assert_accessible(page)


def test_trash_page_restores_a_deleted_video(tab: Tab, on_fake: Server) -> None:
    spec = replace(next(s for s in STANDARD_CLIPS if s.name == "h264_360p.mp4"), seconds=1.0)
    clip = make_clip(on_fake.library, spec, name="Air - Sexy Boy.mp4")
    with on_fake.api(on_fake.admin_token()) as api:
        roots = api.get("/root-folders").json()
        root = roots[0] if roots else api.post("/root-folders", json={"path": str(on_fake.library)}).json()
        finished_job(api, api.post("/library/scan", json={"root_folder_id": root["id"]}).json()["id"])
        [video] = [v for v in api.get("/videos", params={"q": "sexy boy"}).json()["items"] if v["title"] == "Sexy Boy"]
        deleted = api.delete(f"/videos/{video['id']}", params={"delete_files": "true"})
        assert deleted.status_code == 204, deleted.text
    assert not clip.exists()
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/trash")
    tab.live()
    row = page.locator("#trash tbody tr[data-entry-id]").filter(has_text="Air - Sexy Boy.mp4")
    assert row.count() == 1
    assert_accessible(page)
    row.get_by_role("button", name="Restore Air - Sexy Boy.mp4").click()
    page.wait_for_selector(".toast:has-text('Restored to')")
    assert clip.exists()
    assert row.count() == 0
    with on_fake.api(on_fake.admin_token()) as api:
        assert api.get("/trash").json()["total"] == 0
    # The video is back under its old id: its old link opens it.
    tab.go(f"/videos/{video['id']}")
    assert page.locator("#video-title").inner_text() == "Sexy Boy"
    assert page.locator("#player").count() == 1


def test_import_lists_page_adds_previews_syncs_and_deletes_a_list(tab: Tab, on_fake: Server) -> None:
    sign_in(tab, on_fake)
    page = tab.page
    tab.go("/settings/imports")
    tab.live()
    page.evaluate("window.stayed = true")  # every change below updates the page in place
    page.fill("#import-name", "My Last.fm")
    page.select_option("#import-source", "lastfm")
    assert page.is_hidden("#import-url")
    page.fill("#import-user", FAKE_LASTFM_USER)
    page.fill("#import-limit", "2")
    page.click("#import-list-form button[type=submit]")
    row = page.locator("#import-lists tbody tr[data-list-id]").filter(has_text="My Last.fm")
    row.wait_for()
    assert "never" in row.inner_text()
    assert_accessible(page)
    # Preview: what a sync would add, nothing added yet.
    row.get_by_role("button", name="Preview My Last.fm").click()
    page.wait_for_selector("#import-preview", state="visible")
    with on_fake.api(on_fake.admin_token()) as api:
        before = {a["name"] for a in api.get("/artists", params={"page_size": 500}).json()["items"]}
    expected = [f"{name}\t{'already in the library' if name in before else 'added'}" for name in ("Daft Punk", "Björk")]
    assert page.locator("#import-preview tbody tr").all_inner_texts() == expected
    new = sum(name not in before for name in ("Daft Punk", "Björk"))
    # Sync now adds the new ones and the row says so; the interval is changed in place.
    row.get_by_role("button", name="Sync My Last.fm now").click()
    page.wait_for_selector(f".toast:has-text('Synced: {new} added')")
    row.locator(f".list-last:has-text('{new} added')").wait_for()
    row.get_by_label("Sync My Last.fm every (hours)").fill("6")
    row.get_by_label("Sync My Last.fm every (hours)").dispatch_event("change")
    page.wait_for_selector(".toast:has-text('Saved.')")
    with on_fake.api(on_fake.admin_token()) as api:
        [saved] = [item for item in api.get("/import/lists").json() if item["name"] == "My Last.fm"]
        assert (saved["sync_interval_hours"], saved["last_added"]) == (6, new)
        assert {"Daft Punk", "Björk"} <= {
            a["name"] for a in api.get("/artists", params={"page_size": 500}).json()["items"]
        }
    row.get_by_role("button", name="Delete the import list My Last.fm").click()
    page.locator("dialog").get_by_role("button", name="Delete").click()
    row.wait_for(state="detached")
    assert page.evaluate("window.stayed") is True
    with on_fake.api(on_fake.admin_token()) as api:
        assert api.get("/import/lists").json() == []
