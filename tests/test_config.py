from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mvidarr.config import Settings
from mvidarr.errors import ConfigError


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    settings.prepare_data_dir()
    key = settings.resolve_secret_key()
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert settings_for(tmp_path).resolve_secret_key() == key, "the stored key is reused"


def test_secret_key_from_environment_wins(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, secret_key="k" * 40)
    settings.prepare_data_dir()
    assert settings.resolve_secret_key() == "k" * 40
    assert not (tmp_path / "data" / "secret.key").exists()


def test_short_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        settings_for(tmp_path, secret_key="short").resolve_secret_key()


def test_defaults(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert settings.database.render_as_string() == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'mvidarr.db'}"
    assert settings.library_path == tmp_path / "data" / "library"
    assert settings.port == 5000


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url at all", "not a valid database URL"), ("mysql://root@localhost/db", "supports SQLite")],
)
def test_bad_database_urls(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _ = settings_for(tmp_path, database_url=url).database


def test_sync_driver_names_map_to_async(tmp_path: Path) -> None:
    url = settings_for(tmp_path, database_url="postgresql://u@h/db").database
    assert url.drivername == "postgresql+asyncpg"


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = Settings(data_dir=blocker / "data", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="MVIDARR_DATA_DIR"):
        settings.prepare_data_dir()


def test_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MVIDARR_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("MVIDARR_LIBRARY_DIR", str(tmp_path / "videos"))
    monkeypatch.setenv("MVIDARR_PORT", "8123")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.library_path == tmp_path / "videos"
    assert settings.port == 8123
    assert os.environ["MVIDARR_PORT"] == "8123"


def test_processes_starting_together_share_one_secret_key(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    code = (
        "from pathlib import Path; from mvidarr.config import Settings; "
        f"print(Settings(data_dir=Path({str(data)!r}), _env_file=None).resolve_secret_key())"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert all(run.returncode == 0 for run in runs)
    assert len(keys) == 1
    assert keys == {(data / "secret.key").read_text().strip()}
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert [p.name for p in data.iterdir()] == ["secret.key"], "no temp files left behind"


def test_data_dir_is_0700_and_the_database_0600_even_under_a_lax_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        settings = settings_for(tmp_path)
        settings.prepare_data_dir()
    finally:
        os.umask(previous)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "cache").stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "mvidarr.db").stat().st_mode) == 0o600


def test_an_existing_data_dir_and_database_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    for name in ("mvidarr.db", "mvidarr.db-wal"):
        (data / name).write_bytes(b"")
        os.chmod(data / name, 0o644)
    settings_for(tmp_path).prepare_data_dir()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "mvidarr.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "mvidarr.db-wal").stat().st_mode) == 0o600


@pytest.mark.anyio
async def test_sqlite_creates_its_sidecars_with_the_database_files_mode(tmp_path: Path) -> None:
    from sqlalchemy import text

    from mvidarr.db import Database

    settings = settings_for(tmp_path)
    settings.prepare_data_dir()
    database = Database.connect(settings.database)
    try:
        async with database.writer() as session:
            await session.execute(text("CREATE TABLE probe (x INTEGER)"))
            await session.commit()
        for name in ("mvidarr.db", "mvidarr.db-wal", "mvidarr.db-shm"):
            path = tmp_path / "data" / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    finally:
        await database.dispose()
