"""Settings for benchmarks that run the app in-process on a throwaway SQLite database."""

from __future__ import annotations

from pathlib import Path

from mvidarr.config import Settings


def in_process_settings(data: Path, *, worker_slots: int = 4) -> Settings:
    """A data folder of its own, SQLite in it, quiet logs and cheap password hashing."""
    return Settings(
        data_dir=data,
        database_url=f"sqlite+aiosqlite:///{data / 'bench.db'}",
        environment="test",
        log_level="warning",
        worker_slots=worker_slots,
        secret_key="b" * 40,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        _env_file=None,  # type: ignore[call-arg]
    )
