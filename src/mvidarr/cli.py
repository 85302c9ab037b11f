"""The `mvidarr` command."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sys
from typing import NoReturn

import click
from pydantic import ValidationError

from mvidarr import __version__
from mvidarr.config import Settings
from mvidarr.errors import ConfigError


def _fail(message: str) -> NoReturn:
    click.echo(f"mvidarr: {message}", err=True)
    sys.exit(2)


def _load_settings() -> Settings:
    try:
        settings = Settings()
        _ = settings.database
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "MVIDARR_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        _fail(f"{name} is invalid: {first['msg']}")
    except ConfigError as exc:
        _fail(str(exc))
    return settings


async def _migrate(settings: Settings) -> None:
    from mvidarr.db import Database
    from mvidarr.migrations import upgrade

    db = Database.connect(settings.database, pool_size=1)
    try:
        await db.check_reachable()
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _prepare(settings: Settings) -> None:
    """Everything `serve` and `worker` need before they start; one clear line on failure."""
    try:
        settings.prepare_data_dir()
        settings.resolve_secret_key()
        settings.library_path.mkdir(parents=True, exist_ok=True)
        asyncio.run(_migrate(settings))
    except ConfigError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot prepare {exc.filename or settings.data_dir}: {exc.strerror}")


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                _fail(f"port {port} on {host} is already in use; stop the other program or pass --port")
            _fail(f"cannot listen on {host}:{port}: {exc.strerror}; check --host/MVIDARR_HOST")


@click.group()
@click.version_option(__version__, prog_name="mvidarr")
def main() -> None:
    """MVidarr: a self-hosted manager for music video collections."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default MVIDARR_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default MVIDARR_PORT or 5000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="API processes.")
@click.option("--no-jobs", is_flag=True, help="Run no job workers in this process.")
def serve(host: str | None, port: int | None, workers: int, no_jobs: bool) -> None:
    """Migrate the database and serve the web app and API."""
    import uvicorn

    settings = _load_settings()
    host = host or settings.host
    port = port or settings.port
    _prepare(settings)
    _check_port(host, port)
    if no_jobs:
        os.environ["MVIDARR_WORKER_SLOTS"] = "0"
    click.echo(f"mvidarr {__version__} serving on http://{host}:{port} (data in {settings.data_dir})", err=True)
    uvicorn.run(
        "mvidarr.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=30,
    )


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    settings = _load_settings()
    _prepare(settings)
    click.echo("database is at the latest schema", err=True)


@main.command("seed-demo")
@click.option("--artists", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--videos-per-artist", type=click.IntRange(0, 1000), default=20, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same library).")
@click.option("--force", is_flag=True, help="Seed even though the database already has artists.")
def seed_demo(artists: int, videos_per_artist: int, seed: int, force: bool) -> None:
    """Fill the database with a synthetic library (rows only) for demos and benchmarks."""
    from mvidarr.demo.seed import SeedRefused, seed_library

    settings = _load_settings()
    _prepare(settings)
    try:
        summary = asyncio.run(
            seed_library(settings, artists=artists, videos_per_artist=videos_per_artist, seed=seed, force=force)
        )
    except SeedRefused as exc:
        _fail(str(exc))
    click.echo(summary, err=True)
