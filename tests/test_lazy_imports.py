"""Large libraries that only some requests, jobs or commands need are imported where they are used,
not when the app starts: the server's resident memory is a tracked bar (README, decision 0052)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Each a few MiB resident once imported, and needed by one feature (in brackets) only.
LOADED_ON_USE = (
    "apprise",  # notifications (a delivery)
    "pymysql",  # the 0.9.7 import
    "cryptography",  # through PyMySQL; sealed settings open it on use
    "jwt",  # single sign-on (an ID token)
    "yt_dlp",  # downloads, monitors, the keyless YouTube search
    "PIL",  # artwork and thumbnails
    "httpx",  # outbound requests (providers, pictures, notifications)
    "asyncpg",  # PostgreSQL only
    "alembic",  # migrations run in a child process
    "schemathesis",  # tests only
)


def _loaded_by(statement: str) -> set[str]:
    code = textwrap.dedent(
        f"""
        import sys
        {statement}
        print(" ".join(sorted(sys.modules)))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(done.stdout.split())


def test_starting_the_app_imports_none_of_the_large_optional_libraries() -> None:
    loaded = _loaded_by("import mvidarr.app")
    assert "mvidarr.app" in loaded
    assert not loaded.intersection(LOADED_ON_USE), f"imported at start: {sorted(loaded.intersection(LOADED_ON_USE))}"


def test_the_check_sees_a_library_imported_at_start() -> None:
    assert "pymysql" in _loaded_by("import mvidarr.app, mvidarr.legacy.source, pymysql")
