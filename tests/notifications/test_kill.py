"""A `kill -9` of a real `mvidarr serve` in the middle of a burst of events loses none: the events
committed before the kill reach the webhook after the restart (the benchmark runs it with 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.notify import crash_run

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]


def test_kill_9_mid_burst_loses_no_event(tmp_path: Path) -> None:
    result = crash_run(tmp_path, count=60, kill_after=15)
    assert result["events_committed_before_kill"] >= 15
    assert result["events_committed"] == 60
    assert result["lost"] == 0
    assert result["received"] == 60
