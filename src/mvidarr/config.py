"""Process settings: environment variables `MVIDARR_*` and an optional `.env` file.

Runtime settings that users edit in the UI live in the database (see `mvidarr.settings`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from starlette.requests import HTTPConnection

from mvidarr.errors import ConfigError

SECRET_KEY_FILE = "secret.key"
_SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class Settings(BaseSettings):
    """Everything the process needs before it can reach its database."""

    model_config = SettingsConfigDict(env_prefix="MVIDARR_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the database, library and caches live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite file in the data dir when unset."
    )
    library_dir: Path | None = Field(
        default=None, description="Default library folder; `<data_dir>/library` when unset."
    )
    scripts_dir: Path | None = Field(
        default=None,
        description="The folder custom notification scripts are run from (admins pick one of its files); "
        "`<data_dir>/scripts` when unset.",
    )
    default_root_folder: bool = Field(
        default=True,
        description="At start-up with no root folder at all, make the default library folder the first one.",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs tokens; generated into the data dir when unset."
    )
    admin_username: str | None = None
    admin_password: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True
    log_buffer_records: int = Field(
        default=2000, ge=0, le=50_000, description="Recent log records kept in memory for the logs view; 0 keeps none."
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    health_min_free_disk_mb: int = Field(default=500, ge=0)
    environment: Literal["production", "development", "test"] = "production"
    worker_slots: int = Field(default=2, ge=0, le=64, description="Job worker slots in the serve process.")
    ffmpeg_path: str | None = Field(
        default=None, description="ffmpeg binary; the one bundled by imageio-ffmpeg when unset."
    )
    ytdlp_python: str | None = Field(
        default=None,
        description="Interpreter whose yt-dlp the System page updates (pip runs on it); MVidarr's own when unset.",
    )
    max_transcodes: int = Field(default=2, ge=0, le=64, description="Concurrent remux/transcode streams.")
    database_schema: str | None = Field(
        default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="PostgreSQL schema (search_path) to use."
    )
    job_lease_s: float = Field(default=60.0, gt=0, le=3600, description="A running job's lease; renewed by heartbeats.")
    job_heartbeat_s: float = Field(default=15.0, gt=0, le=600, description="How often a worker renews its leases.")
    job_poll_s: float = Field(default=2.0, gt=0, le=60, description="Queue poll interval when no wake-up arrives.")
    job_shutdown_grace_s: float = Field(
        default=20.0, ge=0, le=3600, description="Time running jobs get at shutdown before they are requeued."
    )
    job_cancel_grace_s: float = Field(
        default=10.0, ge=0, le=3600, description="Time a running job gets to stop after a cancel request."
    )
    job_modules: list[str] = Field(
        default_factory=list, description="Extra modules imported at start that register job types (plugins)."
    )
    ws_heartbeat_s: float = Field(default=20.0, gt=0, le=300, description="WebSocket ping interval.")
    # Identity. Password hashing costs about 140 ms of CPU with these defaults; tests lower them.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=8, le=1048576)
    password_hash_parallelism: int = Field(default=1, ge=1, le=8)
    access_token_ttl_s: int = Field(default=900, ge=30, le=86400, description="Lifetime of an access token.")
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365, description="Lifetime of a session.")
    login_throttle_window_s: int = Field(default=300, ge=1, description="Window for counting failed logins.")
    login_max_failures_per_username: int = Field(
        default=5, ge=1, description="Failed logins per window per client address and username."
    )
    login_max_failures_per_ip: int = Field(default=30, ge=1, description="Failed logins per window per address.")
    lockout_threshold: int = Field(
        default=10, ge=1, description="Failed sign-ins of a username (per window) after which its sign-ins slow down."
    )
    login_backoff_max_s: float = Field(
        default=8.0, ge=0, le=60, description="The longest a sign-in to an account with many failures is held."
    )
    api_key_cache_s: float = Field(default=5.0, ge=0, le=3600, description="How long a checked API key is trusted.")
    session_check_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long an access token's session (user, role, not revoked) is trusted before the "
        "database is asked again; revocations announced over PostgreSQL NOTIFY apply at once.",
    )
    progress_flush_s: float = Field(
        default=1.0,
        ge=0.05,
        le=60,
        description="How often a process writes the play positions players reported (a crash loses at most "
        "this long's positions; finished plays are written at once).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from browsers (comma-separated); none."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto headers are "
        "believed (comma-separated); none by default, so the connecting address is the client's.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [entry.strip() for entry in value.split(",") if entry.strip()]
        if isinstance(value, list):
            for entry in value:
                try:
                    ipaddress.ip_network(str(entry), strict=False)
                except ValueError:
                    raise ValueError(f"MVIDARR_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range") from None
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("data_dir", "library_dir", "scripts_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().absolute() if value is not None else None

    @cached_property
    def library_path(self) -> Path:
        return self.library_dir or self.data_dir / "library"

    @cached_property
    def database(self) -> URL:
        """The parsed database URL, with sync driver names mapped to their async twins."""
        raw = self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'mvidarr.db'}"
        try:
            url = make_url(raw)
        except ArgumentError:
            raise ConfigError(
                f"MVIDARR_DATABASE_URL is not a valid database URL ({raw!r}); "
                "use e.g. sqlite+aiosqlite:///data/mvidarr.db or postgresql+asyncpg://user@host/db"
            ) from None
        driver = {
            "sqlite": "sqlite+aiosqlite",
            "postgresql": "postgresql+asyncpg",
            "postgres": "postgresql+asyncpg",
            "postgresql+psycopg": "postgresql+asyncpg",
            "postgresql+psycopg2": "postgresql+asyncpg",
        }.get(url.drivername, url.drivername)
        if driver not in _SUPPORTED_DRIVERS:
            raise ConfigError(
                f"MVIDARR_DATABASE_URL uses {url.drivername!r}; MVidarr supports SQLite "
                "(sqlite+aiosqlite://) and PostgreSQL (postgresql+asyncpg://)"
            )
        return url.set(drivername=driver)

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def scripts_folder(self) -> Path:
        return self.scripts_dir or self.data_dir / "scripts"

    def prepare_data_dir(self) -> None:
        """Create the data dir (0700, with its cache and tmp) and check it is writable; raise ConfigError
        with a fix if not. A SQLite database file in it is created, or tightened, 0600."""
        for folder in (self.data_dir, self.data_dir / "cache", self.data_dir / "tmp"):
            try:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create data directory {folder} ({exc.strerror}); "
                    "set MVIDARR_DATA_DIR to a folder this user can write"
                ) from None
            _private(folder, 0o700)
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise ConfigError(
                f"data directory {self.data_dir} is not writable by this user; "
                "fix its permissions or set MVIDARR_DATA_DIR"
            )
        self._prepare_database_file()

    def _prepare_database_file(self) -> None:
        """SQLite makes its -wal and -shm files with the database file's mode: create that file 0600
        before SQLite does, so the database is never readable by other users."""
        database = self.database.database
        if not self.is_sqlite or not database or database == ":memory:":
            return
        path = Path(database)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError:
            return  # the database folder is checked, with a clear message, when it is opened
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            _private(file, 0o600)

    def resolve_secret_key(self) -> str:
        """The app secret: from the environment, else the data dir's key file (created 0600)."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value) < 32:
                raise ConfigError("MVIDARR_SECRET_KEY must be at least 32 characters long")
            return value
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        # Written whole to a private temp file, then linked into place: processes starting together
        # on a fresh data dir all end up with the one key that won, never with a half-written file.
        key = secrets.token_urlsafe(48)
        fd, temp = tempfile.mkstemp(dir=self.data_dir, prefix=".secret-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(key + "\n")
            os.chmod(temp, 0o600)
            try:
                os.link(temp, path)
            except FileExistsError:
                return path.read_text(encoding="ascii").strip()
        finally:
            os.unlink(temp)
        return key


async def app_settings(connection: HTTPConnection) -> Settings:
    """The process settings the app was built with (for HTTP and WebSocket routes)."""
    settings: Settings = connection.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def _private(path: Path, mode: int) -> None:
    """Tighten `path` to `mode` when it is ours and looser; another owner's file is left alone."""
    try:
        info = path.stat()
    except OSError:
        return
    if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
        with contextlib.suppress(OSError):
            os.chmod(path, mode)
