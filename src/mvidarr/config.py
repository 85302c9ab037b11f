"""Process settings: environment variables `MVIDARR_*` and an optional `.env` file.

Runtime settings that users edit in the UI live in the database (see `mvidarr.settings`).
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

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
    secret_key: SecretStr | None = Field(
        default=None, description="Signs tokens; generated into the data dir when unset."
    )
    admin_username: str | None = None
    admin_password: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True
    db_pool_size: int = Field(default=10, ge=1, le=200)
    health_min_free_disk_mb: int = Field(default=500, ge=0)
    environment: Literal["production", "development", "test"] = "production"
    worker_slots: int = Field(default=2, ge=0, le=64, description="Job worker slots in the serve process.")

    @field_validator("data_dir", "library_dir")
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

    def prepare_data_dir(self) -> None:
        """Create the data dir and check it is writable; raise ConfigError with a fix if not."""
        for folder in (self.data_dir, self.data_dir / "cache", self.data_dir / "tmp"):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create data directory {folder} ({exc.strerror}); "
                    "set MVIDARR_DATA_DIR to a folder this user can write"
                ) from None
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise ConfigError(
                f"data directory {self.data_dir} is not writable by this user; "
                "fix its permissions or set MVIDARR_DATA_DIR"
            )

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
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        return key
