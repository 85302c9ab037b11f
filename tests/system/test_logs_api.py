"""`GET /api/v1/system/logs`: the recent log records kept in memory, filtered, paged, redacted,
for admins only. The ring is process-wide, so each test finds its own records by a unique word."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Request

from mvidarr.auth.dependencies import PUBLIC
from mvidarr.logs import (
    MESSAGE_LIMIT,
    TRACEBACK_LIMIT,
    JsonFormatter,
    LogRing,
    configure_logging,
    log_ring,
    redact,
)
from mvidarr.models import Role

pytestmark = pytest.mark.anyio
LOGS = "/api/v1/system/logs"
# Tokens of the shapes MVidarr hands out (made up here): an access token (JWT), an API key, a
# refresh token, and a password.
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
API_KEY = "mvk_1a2b3c4d_T0pS3cretPartOfTheKeyThatMustNotLeak42"
REFRESH = "Rfr3sh-T0ken-value-that-must-not-leak-0123456789"
PASSWORD = "hunter2-correct-horse"
SECRETS = (JWT, "T0pS3cretPartOfTheKey", REFRESH, PASSWORD, "s3cr3t-db-pass")


def marker() -> str:
    return f"mark{uuid.uuid4().hex[:12]}"


async def records(client: httpx.AsyncClient, **query: Any) -> dict[str, Any]:
    response = await client.get(LOGS, params=query)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_admins_read_recent_records_newest_first(client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.logs")
    log.warning("first %s", word)
    log.error("second %s", word, extra={"video_id": 7})
    body = await records(client, q=word)
    assert body["total"] == 2
    assert body["page"] == 1
    assert body["page_size"] == 50
    newest, oldest = body["items"]
    assert newest["message"] == f"second {word}"
    assert oldest["message"] == f"first {word}"
    assert newest["id"] > oldest["id"]
    assert newest["level"] == "error"
    assert oldest["level"] == "warning"
    assert newest["logger"] == "mvidarr.tests.logs"
    assert newest["extra"] == {"video_id": 7}
    assert newest["exc"] is None
    at = datetime.fromisoformat(newest["at"].replace("Z", "+00:00"))
    assert newest["at"].endswith("Z")
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.USER, Role.READONLY])
async def test_only_admins_may_read_logs(client_as: Any, role: Role) -> None:
    caller = await client_as(role)
    response = await caller.get(LOGS)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_signed_out_callers_get_401(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get(LOGS)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_level_is_a_minimum(client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.levels")
    log.warning("w %s", word)
    log.error("e %s", word)
    log.critical("c %s", word)
    assert [r["level"] for r in (await records(client, q=word, level="error"))["items"]] == ["critical", "error"]
    assert (await records(client, q=word, level="warning"))["total"] == 3
    assert (await records(client, q=word, level="critical"))["total"] == 1


async def test_logger_takes_its_children_but_not_namesakes(client: httpx.AsyncClient) -> None:
    word = marker()
    logging.getLogger("mvidarr.tests.jobs").warning("parent %s", word)
    logging.getLogger("mvidarr.tests.jobs.runner").warning("child %s", word)
    logging.getLogger("mvidarr.tests.jobsx").warning("namesake %s", word)
    body = await records(client, q=word, logger="mvidarr.tests.jobs")
    assert sorted(r["message"].split()[0] for r in body["items"]) == ["child", "parent"]
    assert (await records(client, q=word, logger="mvidarr.tests.jobs.runner"))["total"] == 1


async def test_search_is_case_insensitive_and_reads_tracebacks(client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.search")
    log.warning("Disk NEARLY full %s", word)
    try:
        raise ValueError(f"deep cause {word}")
    except ValueError:
        log.exception("something broke")
    assert (await records(client, q=f"disk nearly FULL {word}"))["total"] == 1
    found = (await records(client, q=f"deep cause {word}"))["items"]
    assert len(found) == 1
    assert found[0]["message"] == "something broke"
    assert found[0]["exc"].startswith("Traceback")
    assert found[0]["exc"].rstrip().endswith(f"deep cause {word}")


async def test_records_carry_the_request_id_and_filter_by_it(app: Any, client: httpx.AsyncClient) -> None:
    word = marker()

    @app.get("/api/v1/tests/log-something", include_in_schema=False, dependencies=[PUBLIC])
    async def log_something() -> dict[str, str]:
        logging.getLogger("mvidarr.tests.request").warning("during a request %s", word)
        return {}

    @app.get("/api/v1/tests/boom", include_in_schema=False, dependencies=[PUBLIC])
    async def boom() -> None:
        raise RuntimeError(f"exploded {word}")

    assert (await client.get("/api/v1/tests/log-something", headers={"X-Request-ID": f"trace-{word}"})).is_success
    failed = await client.get("/api/v1/tests/boom")
    assert failed.status_code == 500
    failed_id = failed.json()["request_id"]
    logging.getLogger("mvidarr.tests.request").warning("outside any request %s", word)

    mine = (await records(client, request_id=f"trace-{word}"))["items"]
    assert [r["message"] for r in mine] == [f"during a request {word}"]
    errors = (await records(client, request_id=failed_id))["items"]
    assert len(errors) == 1
    assert errors[0]["level"] == "error"
    assert errors[0]["message"] == "unhandled error on GET /api/v1/tests/boom"
    assert f"RuntimeError: exploded {word}" in errors[0]["exc"]
    outside = (await records(client, q=f"outside any request {word}"))["items"]
    assert outside[0]["request_id"] is None


async def test_since_leaves_out_older_records(client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.since")
    log.warning("old %s", word)
    older = (await records(client, q=word))["items"][0]
    cut = datetime.fromisoformat(older["at"].replace("Z", "+00:00")) + timedelta(milliseconds=1)
    ring = log_ring()
    # Make the first record clearly older than the cut (its clock reading is kept, not reread).
    record = logging.LogRecord("mvidarr.tests.since", logging.WARNING, __file__, 1, "new %s", (word,), None)
    record.created = cut.timestamp() + 5
    ring.add(record, JsonFormatter._skip)
    body = await records(client, q=word, since=cut.isoformat())
    assert [r["message"] for r in body["items"]] == [f"new {word}"]
    assert (await records(client, q=word, since=(cut - timedelta(minutes=5)).isoformat()))["total"] == 2


async def test_pages_newest_first_and_before_id_keeps_them_steady(client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.pages")
    for n in range(7):
        log.warning("n%d %s", n, word)
    first = await records(client, q=word, page_size=3)
    assert first["total"] == 7
    assert [r["message"].split()[0] for r in first["items"]] == ["n6", "n5", "n4"]
    third = await records(client, q=word, page_size=3, page=3)
    assert [r["message"].split()[0] for r in third["items"]] == ["n0"]
    assert (await records(client, q=word, page_size=3, page=4))["items"] == []
    # New records arrive while someone reads page 2: anchored at page 1's newest, it does not shift.
    anchor = first["items"][0]["id"] + 1
    log.warning("n7 %s", word)
    second = await records(client, q=word, page_size=3, page=2, before_id=anchor)
    assert [r["message"].split()[0] for r in second["items"]] == ["n3", "n2", "n1"]
    assert second["total"] == 7
    assert (await records(client, q=word, page_size=3, page=2))["items"][0]["message"].startswith("n4")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"level": "loud"}, "level"),
        ({"since": "2024-01-01T00:00:00"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"request_id": "has spaces in it"}, "request_id"),
        ({"request_id": "short"}, "request_id"),
        ({"logger": "mvidarr jobs"}, "logger"),
        ({"q": "x" * 201}, "q"),
        ({"q": ""}, "q"),
        ({"page_size": 501}, "page_size"),
        ({"page": 0}, "page"),
        ({"before_id": 0}, "before_id"),
    ],
)
async def test_bad_filters_are_422_problems(client: httpx.AsyncClient, query: dict[str, Any], field: str) -> None:
    response = await client.get(LOGS, params=query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:mvidarr:problem:validation"
    assert ["query", field] in [e["loc"] for e in body["errors"]]


async def test_secrets_never_reach_the_logs_view_or_the_log_output(app: Any, client: httpx.AsyncClient) -> None:
    word = marker()
    log = logging.getLogger("mvidarr.tests.secrets")

    @app.get("/api/v1/tests/headers", include_in_schema=False, dependencies=[PUBLIC])
    async def headers(request: Request) -> dict[str, str]:
        # A careless debug line: every header, as a dict and as raw pairs.
        log.warning("headers %s %s", word, dict(request.headers), extra={"headers": dict(request.headers)})
        log.warning("raw %s %s", word, request.scope["headers"])
        return {}

    response = await client.get(
        "/api/v1/tests/headers",
        headers={"Authorization": f"Bearer {JWT}", "X-Api-Key": API_KEY, "Cookie": f"mvidarr_refresh={REFRESH}"},
    )
    assert response.is_success
    log.warning("login for bob with password=%s failed %s", PASSWORD, word)
    log.warning("body %s", json.dumps({"username": "bob", "password": PASSWORD, "refresh_token": REFRESH, "w": word}))
    log.warning("cannot reach postgresql+asyncpg://mv:s3cr3t-db-pass@db:5432/mv %s", word)
    log.warning("key %s used %s", API_KEY, word, extra={"api_key": API_KEY, "password": PASSWORD})
    try:
        raise PermissionError(f"token {JWT} refused")
    except PermissionError:
        log.exception("auth failed %s", word)

    body = await records(client, q=word)
    assert body["total"] == 7
    text = json.dumps(body)
    for secret in SECRETS:
        assert secret not in text
    assert "[redacted]" in text
    by_start = {r["message"].split()[0]: r for r in body["items"]}
    assert by_start["headers"]["extra"]["headers"].count("[redacted]") >= 3
    # What is not secret stays readable: who, which key (by its listed prefix), which host.
    assert "bob" in by_start["login"]["message"]
    assert "mvk_1a2b3c4d" in by_start["key"]["message"]
    assert "@db:5432/mv" in by_start["cannot"]["message"]
    assert by_start["key"]["extra"] == {"api_key": "[redacted]", "password": "[redacted]"}
    assert "PermissionError: token [redacted] refused" in by_start["auth"]["exc"]

    # The JSON lines written to stderr are redacted the same way.
    formatter = JsonFormatter()
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "password=%s", (PASSWORD,), None)
    record.__dict__["authorization"] = f"Bearer {JWT}"
    record.__dict__["params"] = {"token": REFRESH, "page": 2}
    line = json.loads(formatter.format(record))
    assert line["authorization"] == "[redacted]"
    assert line["params"] == {"token": "[redacted]", "page": 2}
    for secret in SECRETS:
        assert secret not in line["message"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"Authorization: Bearer {JWT}", "Authorization: [redacted]"),
        ("Basic dXNlcjpwYXNzd29yZA==", "Basic [redacted]"),
        (f"sent {JWT} again", "sent [redacted] again"),
        (f"X-Api-Key: {API_KEY}", "X-Api-Key: [redacted]"),
        (f"key {API_KEY} of bob", "key mvk_1a2b3c4d_[redacted] of bob"),
        ("listed as mvk_1a2b3c4d", "listed as mvk_1a2b3c4d"),
        ("password=hunter2&user=bob", "password=[redacted]&user=bob"),
        ('{"new_password": "x y z", "name": "bob"}', '{"new_password": "[redacted]", "name": "bob"}'),
        ("{'totp_code': '123456'}", "{'totp_code': '[redacted]'}"),
        ("https://bob:pa55@example.com/feed", "https://bob:[redacted]@example.com/feed"),
        ("job 5 reclaimed from worker w1", "job 5 reclaimed from worker w1"),
        ("cannot open the TOTP secret of user 3", "cannot open the TOTP secret of user 3"),
    ],
)
def test_redaction(raw: str, expected: str) -> None:
    assert redact(raw) == expected


def test_the_ring_is_bounded_and_trims_what_it_keeps() -> None:
    ring = LogRing(3)
    skip = JsonFormatter._skip
    for n in range(5):
        ring.add(logging.LogRecord("r", logging.WARNING, __file__, 1, "m%d", (n,), None), skip)
    kept = list(ring.newest_first())
    assert [e.message for e in kept] == ["m4", "m3", "m2"]
    assert [e.id for e in kept] == [5, 4, 3]
    ring.add(logging.LogRecord("r", logging.WARNING, __file__, 1, "x" * 50_000, (), None), skip)
    assert len(next(iter(ring.newest_first())).message) == MESSAGE_LIMIT
    try:
        raise RuntimeError("y" * 50_000)
    except RuntimeError:
        record = logging.LogRecord("r", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    record.__dict__["blob"] = {"k": "z" * 10_000}
    ring.add(record, skip)
    newest = next(iter(ring.newest_first()))
    assert newest.exc is not None
    assert len(newest.exc) == TRACEBACK_LIMIT
    assert newest.exc.startswith("…")
    assert newest.extra is not None
    assert len(str(newest.extra["blob"])) <= 200
    ring.resize(1)
    assert [e.message for e in ring.newest_first()] == ["boom"]
    ring.resize(0)
    ring.add(logging.LogRecord("r", logging.WARNING, __file__, 1, "dropped", (), None), skip)
    assert list(ring.newest_first()) == []


async def test_the_buffer_size_setting_bounds_the_ring(client: httpx.AsyncClient) -> None:
    word = marker()
    ring = log_ring()
    previous = ring.size
    configure_logging("warning", buffer_records=4)
    try:
        for n in range(10):
            logging.getLogger("mvidarr.tests.size").warning("s%d %s", n, word)
        body = await records(client, q=word)
        assert [r["message"].split()[0] for r in body["items"]] == ["s9", "s8", "s7", "s6"]
    finally:
        configure_logging("warning", buffer_records=previous)


async def test_the_system_page_has_a_logs_section_for_admins_only(client: httpx.AsyncClient, client_as: Any) -> None:
    html = (await client.get("/system")).text
    assert 'id="logs"' in html
    assert 'id="log-level"' in html
    manager = await client_as(Role.MANAGER)
    page = await manager.get("/system")
    assert page.status_code == 200
    assert 'id="logs"' not in page.text
