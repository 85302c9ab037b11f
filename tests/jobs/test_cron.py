"""Cron expressions: the next run for a table of expressions, and the ones refused (422 through the API)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from mvidarr.jobs.cron import Cron, CronError


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# 2026-01-01 is a Thursday.
NEXT_RUNS = [
    ("* * * * *", "2026-01-01 00:00:30", "2026-01-01 00:01"),
    ("* * * * *", "2026-01-01 00:01:00", "2026-01-01 00:02"),
    ("*/15 * * * *", "2026-01-01 00:14:59", "2026-01-01 00:15"),
    ("*/15 * * * *", "2026-01-01 00:45:00", "2026-01-01 01:00"),
    ("1-30/10 * * * *", "2026-01-01 00:11:00", "2026-01-01 00:21"),
    ("5,35 */6 * * *", "2026-01-01 06:40", "2026-01-01 12:05"),
    ("0 0 * * *", "2026-01-01 00:00", "2026-01-02 00:00"),
    ("17 3 * * *", "2026-01-01 03:17:01", "2026-01-02 03:17"),
    ("30 2 * * mon-fri", "2026-01-02 03:00", "2026-01-05 02:30"),
    ("0 0 * * 7", "2026-01-01 00:00", "2026-01-04 00:00"),
    ("0 0 * * SUN", "2026-01-01 00:00", "2026-01-04 00:00"),
    ("0 12 1 * *", "2026-01-15 00:00", "2026-02-01 12:00"),
    ("0 9 * jan,jul *", "2026-01-31 10:00", "2026-07-01 09:00"),
    ("0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),
    ("59 23 31 12 *", "2026-12-31 23:58", "2026-12-31 23:59"),
    ("0 0 1 1 *", "2026-12-31 23:59", "2027-01-01 00:00"),
    # Both day fields restricted: either matches (Vixie cron). 2 January is a Friday.
    ("0 0 13 * fri", "2026-01-01 00:00", "2026-01-02 00:00"),
    ("@hourly", "2026-01-01 10:30", "2026-01-01 11:00"),
    ("@daily", "2026-01-01 10:30", "2026-01-02 00:00"),
    ("@midnight", "2026-01-01 10:30", "2026-01-02 00:00"),
    ("@weekly", "2026-01-01 10:30", "2026-01-04 00:00"),
    ("@monthly", "2026-01-01 10:30", "2026-02-01 00:00"),
    ("@yearly", "2026-01-01 10:30", "2027-01-01 00:00"),
    ("  @DAILY ", "2026-01-01 10:30", "2026-01-02 00:00"),
]


@pytest.mark.parametrize(("expression", "after", "expected"), NEXT_RUNS)
def test_next_run(expression: str, after: str, expected: str) -> None:
    assert Cron.parse(expression).next_after(at(after)) == at(expected)


INVALID = [
    ("", "five fields"),
    ("* * * *", "five fields"),
    ("* * * * * *", "five fields"),
    ("@reboot", "five fields"),
    ("60 * * * *", "minute"),
    ("* 24 * * *", "hour"),
    ("* * 0 * *", "day"),
    ("* * 32 * *", "day"),
    ("* * * 13 *", "month"),
    ("* * * * 8", "weekday"),
    ("*/0 * * * *", "bad step"),
    ("*/x * * * *", "bad step"),
    ("a * * * *", "not a number"),
    ("-1 * * * *", "not a number"),
    ("5-1 * * * *", "outside"),
    ("* * * foo *", "not a number"),
    ("1,,2 * * * *", "not a number"),
]


@pytest.mark.parametrize(("expression", "reason"), INVALID)
def test_invalid_expressions_are_refused(expression: str, reason: str) -> None:
    with pytest.raises(CronError, match=reason):
        Cron.parse(expression)


def test_an_expression_that_never_matches_is_refused() -> None:
    never = Cron.parse("0 0 31 2 *")
    with pytest.raises(CronError, match="never matches"):
        never.next_after(at("2026-01-01 00:00"))


@pytest.mark.anyio
@pytest.mark.parametrize("expression", ["61 * * * *", "* * * *", "0 0 31 2 *", "@reboot", "*/0 * * * *"])
async def test_the_schedules_api_answers_422_for_a_bad_cron(client: httpx.AsyncClient, expression: str) -> None:
    response = await client.post(
        "/api/v1/schedules", json={"name": "nightly", "job_type": "system.noop", "cron": expression}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"][0]["loc"] == ["body", "cron"]
    assert "nightly" not in {s["name"] for s in (await client.get("/api/v1/schedules")).json()}
