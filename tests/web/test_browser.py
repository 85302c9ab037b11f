"""The web app in a real browser: Playwright driving Debian's Chromium against the real server
(a `mvidarr serve` subprocess with SQLite in a temp data dir). Every page load is watched for
console errors and failed requests. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy.engine import make_url

from mvidarr.db import Database
from tests.factories import attach_file
from tests.fixtures.media import STANDARD_CLIPS, make_clip
from tests.test_cli import MVIDARR, free_port

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
ADMIN = ("admin", "correct horse battery staple")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
TIMEOUT_MS = 10_000

pytestmark = [
    pytest.mark.sqlite_only,
    pytest.mark.slow,
    # Skipped on a developer machine without the browser; in CI (.ci/run installs it) never skipped.
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed (apt-get install chromium)",
    ),
]


@dataclass
class Server:
    base: str
    data: Path
    library: Path
    process: subprocess.Popen[bytes]

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return httpx.Client(base_url=f"{self.base}/api/v1", headers=headers, timeout=10)

    def admin_token(self) -> str:
        """Creates the admin through first-run setup if no test has yet, and signs in."""
        with self.api() as anonymous:
            if anonymous.get("/auth/setup").json()["needed"]:
                created = anonymous.post("/auth/setup", json={"username": ADMIN[0], "password": ADMIN[1]})
                assert created.status_code == 201, created.text
            signed_in = anonymous.post("/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        assert signed_in.status_code == 200, signed_in.text
        return str(signed_in.json()["access_token"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("browser")
    data, library = root / "data", root / "library"
    library.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env.update(
        MVIDARR_DATA_DIR=str(data),
        MVIDARR_LOG_LEVEL="warning",
        MVIDARR_PASSWORD_HASH_TIME_COST="1",
        MVIDARR_PASSWORD_HASH_MEMORY_KIB="1024",
        MVIDARR_JOB_MODULES='["tests.web.jobs"]',
        MVIDARR_JOB_POLL_S="0.2",
        MVIDARR_JOB_CANCEL_GRACE_S="1",
        MVIDARR_HEALTH_MIN_FREE_DISK_MB="0",
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
    )
    log = root / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen([*MVIDARR, "serve", "--port", str(port)], env=env, stderr=sink, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/api/v1/health", timeout=2)
            break
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    try:
        yield Server(base, data, library, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watch:
    """Console errors, uncaught exceptions and failed requests seen by a page."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def note(self, problem: str) -> None:
        if not any(p.search(problem) for p in self.allowed):
            self.problems.append(problem)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: m.type == "error" and self.note(f"console: {m.text} @ {m.location}"))
        page.on("pageerror", lambda e: self.note(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 400 and self.note(f"{r.status} {r.request.method} {r.url}"))

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # Leaving a page cancels its media range request; the browser reports that as aborted.
        if "ERR_ABORTED" in failure and "/stream" in request.url:
            return
        self.note(f"failed: {request.method} {request.url} {failure}")


@dataclass
class Tab:
    page: Any
    watch: Watch
    base: str

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None, path
        assert response.ok, f"{path}: {response.status}"
        return response

    def live(self) -> None:
        """Waits until the page's WebSocket is connected."""
        self.page.wait_for_selector('#live-status[data-state="open"]', timeout=TIMEOUT_MS)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def tab(browser: Any, server: Server) -> Iterator[Tab]:
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    try:
        yield Tab(page, watch, server.base)
    finally:
        context.close()
    assert not watch.problems, "\n".join(watch.problems)


def sign_in(tab: Tab, server: Server) -> None:
    server.admin_token()
    answer = tab.page.request.post(
        "/api/v1/auth/login", data={"username": ADMIN[0], "password": ADMIN[1], "cookie": True}
    )
    assert answer.ok, answer.text()


# ----------------------------------------------------------------- flows


def test_first_run_setup_then_sign_out_and_in(tab: Tab, server: Server) -> None:
    page = tab.page
    tab.go("/")
    assert page.url.endswith("/setup")
    tab.shot("setup")
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.fill("#password2", ADMIN[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/")
    tab.live()
    page.click(".user-menu summary")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login$"))
    tab.shot("login")
    tab.go("/videos")  # a page without a session sends the browser to sign in, and back after
    assert "/login?next=%2Fvideos" in page.url
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server.base}/videos")
    assert page.get_by_role("heading", name="Videos").is_visible()


def test_sign_in_with_two_factor_code(tab: Tab, server: Server) -> None:
    token = server.admin_token()
    with server.api(token) as admin:
        user = admin.post(
            "/users", json={"username": "tfa", "password": ADMIN[1], "role": "user", "must_change_password": False}
        )
        assert user.status_code == 201, user.text
        signed_in = admin.post("/auth/login", json={"username": "tfa", "password": ADMIN[1]}).json()
    with server.api(signed_in["access_token"]) as tfa:
        secret = tfa.post("/auth/totp/setup").json()["secret"]
        enabled = tfa.post("/auth/totp/enable", json={"code": pyotp.TOTP(secret).now()})
        assert enabled.status_code == 200, enabled.text
    # The current code was just spent on enabling (codes work once), so sign in with a recovery code.
    code = enabled.json()["codes"][0]
    tab.watch.allow(r"401 POST .*/api/v1/auth/login")  # the first attempt, without the code
    tab.watch.allow(r"status of 401")
    page = tab.page
    tab.go("/login")
    page.fill("#username", "tfa")
    page.fill("#password", ADMIN[1])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#totp_code", state="visible")
    tab.shot("login-2fa")
    page.fill("#totp_code", code)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server.base}/")
    assert page.locator(".user-menu summary").inner_text().startswith("tfa")


def test_root_folder_browse_play_and_edit(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    tab.go("/settings")
    page.fill("#root-path", str(server.library))
    page.fill("#root-name", "Music videos")
    page.click("#root-form button[type=submit]")
    page.wait_for_selector("#root-folders td:has-text('Music videos')")

    token = server.admin_token()
    with server.api(token) as api:
        artists = [api.post("/artists", json={"name": name}).json() for name in ("Portishead", "Massive Attack")]
        for index in range(12):
            api.post("/videos", json={"artist_id": artists[index % 2]["id"], "title": f"Track {index:02d}"})
        video = api.post("/videos", json={"artist_id": artists[0]["id"], "title": "Glory Box", "year": 1994}).json()
    spec = replace(next(s for s in STANDARD_CLIPS if s.name == "vp9_opus.webm"), seconds=4.0)
    clip = make_clip(server.library, spec, name="glory-box.webm")
    stat = clip.stat()
    database = Database.connect(make_url(f"sqlite+aiosqlite:///{server.data / 'mvidarr.db'}"), pool_size=1)

    async def attach() -> None:
        try:
            await attach_file(
                database, video["id"], str(server.library), relative_path=clip.name, size=stat.st_size,
                mtime=stat.st_mtime, container="webm", video_codec="vp9", audio_codec="opus",
                width=spec.width, height=spec.height, quality_label="360p", duration_s=4.0,
            )  # fmt: skip
        finally:
            await database.dispose()

    # Playwright's sync API keeps an event loop on this thread; the database work gets its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, attach()).result()

    tab.go("/artists")
    page.click("text=Portishead")
    page.wait_for_selector("h1:has-text('Portishead')")
    assert page.locator("table.data tbody tr").count() == 7
    tab.go("/videos?sort=title&page_size=25")
    assert page.locator("table.data tbody tr").count() == 13
    page.fill("#global-search", "glory")
    page.wait_for_selector("#search-suggestions li:has-text('Glory Box')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.base}/videos/{video['id']}")

    player = page.locator("#player")
    player.wait_for()
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.locator("h1").click()  # focus outside the form, where the player's keys apply
    page.keyboard.press("m")
    assert page.evaluate("document.getElementById('player').muted") is True
    page.keyboard.press(" ")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5", timeout=TIMEOUT_MS)
    page.keyboard.press(" ")
    assert page.evaluate("document.getElementById('player').paused") is True
    tab.shot("video-light")

    page.fill("#f-title", "Glory Box (Remastered)")
    page.click("#video-form button[type=submit]")
    page.wait_for_selector(".toast:has-text('Saved.')")
    assert page.locator('.field[data-field="title"] .lock').is_visible()
    assert page.locator("#video-title").inner_text().startswith("Glory Box (Remastered)")
    page.reload()
    assert page.locator('input[name="lock"][value="title"]').is_checked()
    with server.api(token) as api:
        assert "title" in api.get(f"/videos/{video['id']}").json()["locked_fields"]


def test_activity_shows_live_progress_and_cancels(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    tab.go("/activity")
    tab.live()
    with server.api(server.admin_token()) as api:
        job = api.post("/jobs", json={"type": "test.web_steps", "params": {"steps": 100, "step_s": 0.2}}).json()
    row = f'#job-queue tr[data-job-id="{job["id"]}"]'
    page.wait_for_selector(f'{row}[data-status="running"]')
    page.wait_for_function(f"() => document.querySelector('{row} progress')?.value > 0.02")
    first = float(page.eval_on_selector(f"{row} progress", "p => p.value"))
    page.wait_for_function(f"() => document.querySelector('{row} progress')?.value > {first}")
    tab.shot("activity-light")
    page.click(f'{row} button[data-action="cancel"]')
    page.wait_for_selector(f'#job-history tr[data-job-id="{job["id"]}"][data-status="cancelled"]')
    assert page.locator(row).count() == 0
    page.click(f'#job-history tr[data-job-id="{job["id"]}"] button[data-action="retry"]')
    page.wait_for_selector(f'#job-queue tr[data-job-id="{job["id"]}"]')
    page.click(f'#job-queue tr[data-job-id="{job["id"]}"] button[data-action="cancel"]')
    page.wait_for_selector(f'#job-history tr[data-job-id="{job["id"]}"][data-status="cancelled"]')


def test_banner_shows_while_the_socket_is_down(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    sockets: list[Any] = []

    def forward(route: Any) -> None:
        # Pass frames through to the real server; closing the route is, to the page, the server hanging up.
        route.connect_to_server()
        sockets.append(route)

    page.route_web_socket(re.compile(r"/api/v1/ws$"), forward)
    tab.go("/")
    tab.live()
    assert page.locator("#live-banner").is_hidden()
    sockets[-1].close(code=1001, reason="server going away")
    page.wait_for_selector("#live-banner", state="visible")
    assert page.locator("#live-status").get_attribute("data-state") in ("closed", "connecting")
    tab.shot("banner")
    page.wait_for_selector("#live-banner", state="hidden")
    tab.live()
    assert len(sockets) == 2


def test_theme_switch_is_saved(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    tab.go("/")
    page.click(".user-menu summary")
    page.check('input[name="theme"][value="dark"]')
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.wait_for_timeout(300)  # the preference is saved by a request the click started
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    page.click(".user-menu summary")
    page.check('input[name="theme"][value="system"]')
    page.wait_for_timeout(300)
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "system"


def test_screenshots_of_every_page_light_and_dark(tab: Tab, server: Server) -> None:
    sign_in(tab, server)
    page = tab.page
    with server.api(server.admin_token()) as api:
        artist = api.get("/artists", params={"page_size": 1}).json()["items"]
        video = api.get("/videos", params={"has_file": "true", "page_size": 1}).json()["items"]
    pages = {
        "dashboard": "/",
        "artists": "/artists",
        "videos": "/videos",
        "activity": "/activity",
        "settings": "/settings",
    }
    if artist:
        pages["artist"] = f"/artists/{artist[0]['id']}"
    if video:
        pages["video"] = f"/videos/{video[0]['id']}"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, path in pages.items():
            started = time.perf_counter()
            tab.go(path)
            tab.live()
            paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0")
            assert paint < 1000, f"{path}: first contentful paint after {paint:.0f} ms"
            assert time.perf_counter() - started < 5
            tab.shot(f"{name}-{scheme}")
    docs = REPO / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    for name in ("dashboard-light", "dashboard-dark", "videos-dark", "video-light", "activity-light"):
        if (ARTIFACTS / f"{name}.png").exists():
            shutil.copyfile(ARTIFACTS / f"{name}.png", docs / f"{name}.png")
