"""`mvidarr backup create` and `mvidarr backup restore` as an admin runs them (SQLite, real processes)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

MVIDARR = [sys.executable, "-m", "mvidarr"]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MVIDARR, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.sqlite_only
def test_create_and_restore_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MVIDARR_")}
    env |= {"MVIDARR_DATA_DIR": str(tmp_path / "data"), "MVIDARR_LOG_LEVEL": "warning"}
    assert run(["seed-demo", "--artists", "20", "--videos-per-artist", "5"], env).returncode == 0
    created = run(["backup", "create", "--to", str(tmp_path), "--passphrase-stdin"], env, stdin="a fine passphrase\n")
    assert created.returncode == 0, created.stderr
    assert "secret key sealed" in created.stdout
    backup = next(tmp_path.glob("mvidarr-backup-*.zip"))
    database = tmp_path / "data" / "mvidarr.db"
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM video_genre")
        conn.execute("DELETE FROM video WHERE id > 50")
    dry = run(["backup", "restore", str(backup), "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    video_line = next(line for line in dry.stdout.splitlines() if line.startswith("video "))
    assert video_line.split()[1:] == ["50", "100"]
    assert "would replace" in dry.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM video").fetchone() == (50,)
    wrong = run(["backup", "restore", str(backup), "--passphrase-stdin"], env, stdin="not it\n")
    assert wrong.returncode == 2
    assert "passphrase does not open" in wrong.stderr
    restored = run(["backup", "restore", str(backup), "--passphrase-stdin"], env, stdin="a fine passphrase\n")
    assert restored.returncode == 0, restored.stderr
    assert "secret key: replaced" in restored.stdout
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM video").fetchone() == (100,)
    missing = run(["backup", "restore", str(tmp_path / "nothing.zip")], env)
    assert missing.returncode == 2
