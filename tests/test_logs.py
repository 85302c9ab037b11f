from __future__ import annotations

import json
import logging

import httpx
import pytest

from mvidarr.logs import JsonFormatter

pytestmark = pytest.mark.anyio


async def test_log_lines_are_json_with_request_id(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mvidarr.access")
    await client.get("/api/v1/health", headers={"X-Request-ID": "trace-abcdef-1"})
    records = [r for r in caplog.records if r.name == "mvidarr.access"]
    assert records, "an access record is logged at debug level"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-abcdef-1"
    assert line["status"] == 200
    assert line["level"] == "debug"
    assert line["at"].endswith("Z")
