"""The Logs section of the System page in a real browser, against a real `mvidarr serve` (kit in
tests/web/browser.py). The warnings come from the server itself: a job that ignores a cancel
request for longer than its grace period (1 s here) is stopped with a logged warning."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.web.browser import (
    BROWSER_MARKS,
    PHONE,
    WIDEST,
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
SLOW_WAIT_MS = 15_000  # one poll (5 s) after the cancel grace (1 s), with room to spare


def stubborn_job_warning(server: Server, token: str) -> tuple[int, str]:
    """Start a job that sleeps through its cancel request and cancel it: the server logs a warning.
    Answers the job id and the request id the cancel was sent with."""
    request_id = f"logs-test-{uuid.uuid4().hex[:12]}"
    with server.api(token) as api:
        job = api.post("/jobs", json={"type": "test.web_steps", "params": {"steps": 3, "step_s": 5}}).json()
        deadline = time.monotonic() + 10
        while api.get(f"/jobs/{job['id']}").json()["status"] != "running":
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.1)
        cancelled = api.post(f"/jobs/{job['id']}/cancel", headers={"X-Request-ID": request_id})
        assert cancelled.is_success, cancelled.text
    return int(job["id"]), request_id


def wait_for_record(server: Server, token: str, text: str) -> dict[str, Any]:
    with server.api(token) as api:
        deadline = time.monotonic() + 10
        while True:
            items = api.get("/system/logs", params={"q": text}).json()["items"]
            if items:
                return dict(items[0])
            assert time.monotonic() < deadline, f"no log record with {text!r}"
            time.sleep(0.2)


def test_logs_view_shows_filters_and_follows_server_warnings(tab: Tab, server: Server) -> None:
    token = server.admin_token()
    job_id, request_id = stubborn_job_warning(server, token)
    text = f"job {job_id} did not stop in time"
    record = wait_for_record(server, token, text)
    assert record["level"] == "warning"
    assert record["logger"].startswith("mvidarr.jobs")
    assert record["request_id"] == request_id  # logged on behalf of the cancel request

    sign_in(tab, server)
    page = tab.page
    tab.go("/system")
    rows = page.locator("#log-records tbody tr")
    row = rows.filter(has_text=text)
    row.wait_for()
    assert row.locator(".badge").inner_text() == "warning"
    assert row.locator("time").get_attribute("datetime") == record["at"]
    assert page.locator("#log-page").inner_text().startswith("Page 1 of")

    # Lowest level: error hides the warning, warning brings it back and shows nothing quieter.
    page.select_option("#log-level", "error")
    row.wait_for(state="detached")
    page.select_option("#log-level", "warning")
    row.wait_for()
    levels = set(rows.evaluate_all("rs => rs.map(r => r.dataset.level).filter(Boolean)"))
    assert levels <= {"warning", "error", "critical"}, levels

    # Search box.
    page.fill("#log-q", "no such words anywhere 9d1c")
    page.click("#log-filters button[type=submit]")
    page.locator("#log-records td.empty").wait_for()
    page.fill("#log-q", f"JOB {job_id} DID NOT")  # any case
    page.click("#log-filters button[type=submit]")
    row.wait_for()
    assert rows.count() == 1
    assert "1 log record match." in page.locator("#log-status").inner_text()

    # A request id is a link to that request's records.
    page.click("#log-filters button[type=reset]")
    row.wait_for()
    row.locator(f'button[data-request-id="{request_id}"]').click()
    page.wait_for_function(
        "id => [...document.querySelectorAll('#log-records tbody tr')].every(r => "
        'r.querySelector(`button[data-request-id="${id}"]`))',
        arg=request_id,
    )
    assert page.input_value("#log-request-id") == request_id
    assert row.is_visible()
    tab.shot("system-logs")

    problems = axe_problems(page, axe_source())
    assert not problems, "\n".join(problems)

    # Live: a new warning shows up on the first page without a reload.
    page.click("#log-filters button[type=reset]")
    page.select_option("#log-level", "warning")
    row.wait_for()
    later_id, _ = stubborn_job_warning(server, token)
    rows.filter(has_text=f"job {later_id} did not stop in time").wait_for(timeout=SLOW_WAIT_MS)
    assert f"job {later_id}" in rows.first.inner_text()  # newest first

    # On a phone the filters wrap and the table scrolls inside its frame; nothing else overflows.
    page.set_viewport_size(PHONE)
    tab.go("/system")
    row.wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"/system is {overflow} px wider than a 375 px screen: {page.evaluate(WIDEST)}"


def test_logs_section_is_for_admins_only(tab: Tab, server: Server) -> None:
    token = server.admin_token()
    with server.api(token) as api:
        created = api.post(
            "/users",
            json={"username": "logreader", "password": "a long enough passphrase", "role": "manager",
                  "must_change_password": False},
        )  # fmt: skip
        assert created.status_code == 201, created.text
    answer = tab.page.request.post(
        "/api/v1/auth/login", data={"username": "logreader", "password": "a long enough passphrase", "cookie": True}
    )
    assert answer.ok, answer.text()
    tab.go("/system")
    assert tab.page.get_by_role("heading", name="Health").is_visible()
    assert tab.page.locator("#logs").count() == 0
    assert tab.page.get_by_role("heading", name="Logs").count() == 0
