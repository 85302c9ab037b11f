"""`mvidarr import-legacy`: the command as a user runs it (its own data dir, SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.legacy097 import LegacyDatabase, Realistic

pytestmark = pytest.mark.sqlite_only
MVIDARR = [sys.executable, "-m", "mvidarr"]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MVIDARR, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture
def env(tmp_path: Path, realistic: Realistic) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    values["MVIDARR_DATA_DIR"] = str(tmp_path / "data")
    values["MVIDARR_LIBRARY_DIR"] = str(realistic.library)
    values["MVIDARR_LOG_LEVEL"] = "warning"
    return values


def test_dry_run_then_import_then_nothing_left(
    env: dict[str, str], legacy_db: LegacyDatabase, realistic: Realistic
) -> None:
    maps = ["--map-path", f"data/musicvideos={realistic.library}"]
    dry = run(["import-legacy", legacy_db.url, "--dry-run", *maps], env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("DRY RUN: nothing was changed.")
    assert "artists" in dry.stdout
    assert "videos" in dry.stdout
    real = run(["import-legacy", legacy_db.url, *maps], env)
    assert real.returncode == 0, real.stderr
    assert "DRY RUN" not in real.stdout
    again = run(["import-legacy", legacy_db.url, "--json", *maps], env)
    assert again.returncode == 0, again.stderr
    assert '"imported": 0' in again.stdout
    assert '"linked": 0' in again.stdout


def test_a_refused_password_is_never_echoed(env: dict[str, str], legacy_db: LegacyDatabase) -> None:
    url = legacy_db.url.replace("mysql://root@", "mysql://nobody@")
    result = run(["import-legacy", url, "--dry-run", "--password-stdin"], env, stdin="Sup3r-Secret-pw\n")
    assert result.returncode == 2
    assert "cannot connect to mysql://nobody:***@" in result.stderr
    assert "Sup3r-Secret-pw" not in result.stdout + result.stderr
