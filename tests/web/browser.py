"""Shared kit for the browser tests: Playwright driving Debian's Chromium against the real server
(a `mvidarr serve` subprocess with SQLite in a temp data dir). Every page load is watched for
console errors and failed requests. Screenshots go to build/test-artifacts/ (git-ignored)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_cli import MVIDARR, free_port

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
# Pictures the browser tests take: a build folder (ignored by git). `make screenshots` copies the
# documented ones into docs/screenshots; a plain test run never touches tracked files.
ARTIFACTS = REPO / "build" / "test-artifacts"
ADMIN = ("admin", "correct horse battery staple")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
TIMEOUT_MS = 10_000
# axe-core from the npm registry, checked against the registry's integrity hash, cached (git-ignored).
AXE_VERSION = "4.10.2"
AXE_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
AXE_SHA512 = "RE3mdQ7P3FRSe7eqCWoeQ/Z9QXrtniSjp1wUjt5nRC3WIpz5rSCve6o3fsZ2aCpJtrZjSZgjwXAoTO5k4tEI0w=="
AXE_CACHE = REPO / ".cache" / f"axe-core-{AXE_VERSION}.min.js"
PHONE = {"width": 375, "height": 740}
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.closest('.sidebar'))
  .slice(0, 12)
  .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')}:${e.getBoundingClientRect().right}`)"""

BROWSER_MARKS = [
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
        # These tests add their own root folder; the smoke journey (tests/smoke) meets the default one.
        MVIDARR_DEFAULT_ROOT_FOLDER="false",
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
    )
    log = root / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen([*MVIDARR, "serve", "--port", str(port)], env=env, stderr=sink, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # start-up migrates first: slow on a loaded 2-core machine
    try:
        # Inside the try: a server that does not start in time is stopped too, not left running.
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
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


def axe_source() -> str:
    """axe.min.js, downloaded once from the npm registry and verified."""
    if not AXE_CACHE.exists():
        tarball = httpx.get(AXE_URL, timeout=60, follow_redirects=True).raise_for_status().content
        digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
        assert digest == AXE_SHA512, "axe-core tarball does not match the registry's integrity hash"
        with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            AXE_CACHE.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: test workers running at once never read half a file.
            partial = AXE_CACHE.with_name(f"{AXE_CACHE.name}.{os.getpid()}.part")
            partial.write_bytes(member.read())
            partial.replace(AXE_CACHE)
    return AXE_CACHE.read_text()


WCAG_AA = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}
CONTRAST_ONLY = {"type": "rule", "values": ["color-contrast"]}


def axe_problems(page: Any, source: str, run_only: dict[str, Any] = WCAG_AA) -> list[str]:
    """Serious and critical axe violations on the page (by default every WCAG 2.x A and AA rule)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # A CDP script injection, not a <script> tag: the page's CSP allows no inline code.
        page.evaluate(source)
    result = page.evaluate(
        """async (runOnly) => (await axe.run(document, {runOnly}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)""",
        run_only,
    )
    return [str(line) for line in result]


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
        # So does leaving a page before the browser fetched its icon.
        # And leaving a page before its health-warnings banner (a background check) was answered.
        background = (
            "/stream" in request.url,
            request.url.endswith("/favicon.svg"),
            "/api/v1/system/warnings" in request.url,
        )
        if "ERR_ABORTED" in failure and any(background):
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
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
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
