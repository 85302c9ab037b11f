"""`mvidarr import-legacy`: the command as a user runs it (its own data dir, SQLite)."""

from __future__ import annotations

import json
import os
import sqlite3
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


def allow_loopback(env: dict[str, str], root: Path | None = None) -> None:
    """What an admin does on Settings → Network for a database on this machine or the LAN (and, with
    `root`, on Settings → Root folders)."""
    upgraded = run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(Path(env["MVIDARR_DATA_DIR"]) / "mvidarr.db") as conn:
        conn.execute(
            "INSERT INTO setting (key, value, updated_at) VALUES ('network.allowed_private_hosts', ?, '2026-12-07')",
            (json.dumps(["127.0.0.1"]),),
        )
        if root is not None:
            conn.execute(
                "INSERT INTO root_folder (path, name, accessible, created_at) VALUES (?, 'Library', 1, '2026-12-07')",
                (str(root),),
            )


def queued(env: dict[str, str]) -> list[tuple[str, str]]:
    with sqlite3.connect(Path(env["MVIDARR_DATA_DIR"]) / "mvidarr.db") as conn:
        return [tuple(r) for r in conn.execute("SELECT type, status FROM job ORDER BY id")]


def test_the_network_policy_applies(env: dict[str, str], legacy_db: LegacyDatabase) -> None:
    refused = run(["import-legacy", legacy_db.url, "--dry-run"], env)
    assert refused.returncode == 2
    assert "refused by the network policy" in refused.stderr
    assert "network.allowed_private_hosts" in refused.stderr


def test_dry_run_then_import_then_nothing_left(
    env: dict[str, str], legacy_db: LegacyDatabase, realistic: Realistic
) -> None:
    allow_loopback(env, realistic.library)
    maps = ["--map-path", f"data/musicvideos={realistic.library}"]
    dry = run(["import-legacy", legacy_db.url, "--dry-run", *maps], env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("DRY RUN: nothing was changed.")
    assert "artists" in dry.stdout
    assert "videos" in dry.stdout
    assert queued(env) == []
    real = run(["import-legacy", legacy_db.url, *maps], env)
    assert real.returncode == 0, real.stderr
    assert "DRY RUN" not in real.stdout
    # The linked files' root folder is scanned and the 0.9.7 thumbnails fetched, by the server's workers.
    assert queued(env) == [("library.scan", "queued"), ("legacy.thumbnails", "queued")]
    assert "queued for the server's workers" in real.stdout
    again = run(["import-legacy", legacy_db.url, "--json", *maps], env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert all(k["imported"] == k["linked"] == k["updated"] == 0 for k in report["kinds"].values())


def test_a_refused_password_is_never_echoed(env: dict[str, str], legacy_db: LegacyDatabase) -> None:
    allow_loopback(env)
    url = legacy_db.url.replace("mysql://root@", "mysql://nobody@")
    result = run(["import-legacy", url, "--dry-run", "--password-stdin"], env, stdin="Sup3r-Secret-pw\n")
    assert result.returncode == 2
    assert "cannot connect to mysql://nobody:***@" in result.stderr
    assert "Sup3r-Secret-pw" not in result.stdout + result.stderr
