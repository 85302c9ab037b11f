"""The `mvidarr` command.

One module past 400 lines on purpose: the argument tree and one short function per subcommand;
the work of each lives in its domain package.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import click
from pydantic import ValidationError

from mvidarr import __version__
from mvidarr.config import Settings
from mvidarr.errors import ConfigError
from mvidarr.kit.lifetime import SUPERVISOR_ENV
from mvidarr.settings import registry as setting_keys


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

    db = Database.connect(settings.database, pool_size=1, pg_schema=settings.database_schema)
    try:
        await db.check_reachable()
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _check_admin_from_env(settings: Settings) -> None:
    """MVIDARR_ADMIN_USERNAME/PASSWORD come together and meet the password policy (the app creates
    that admin at start-up when no user exists)."""
    from mvidarr.auth.passwords import policy_problem

    if bool(settings.admin_username) != (settings.admin_password is not None):
        raise ConfigError("set both MVIDARR_ADMIN_USERNAME and MVIDARR_ADMIN_PASSWORD, or neither")
    if settings.admin_username and settings.admin_password is not None:
        problem = policy_problem(settings.admin_password.get_secret_value(), settings.admin_username)
        if problem:
            raise ConfigError(f"MVIDARR_ADMIN_PASSWORD is not acceptable: {problem}")


def _prepare(settings: Settings, *, long_running: bool = False) -> None:
    """Everything `serve` and `worker` need before they start; one clear line on failure.

    A long-running process migrates in a child process (`mvidarr db upgrade`), so Alembic and the
    migration scripts never stay resident in the server (about 10 MB).
    """
    try:
        _check_admin_from_env(settings)
        settings.prepare_data_dir()
        settings.resolve_secret_key()
        settings.library_path.mkdir(parents=True, exist_ok=True)
        if long_running:
            child = subprocess.run([sys.executable, "-m", "mvidarr", "db", "upgrade"], check=False)
            if child.returncode != 0:
                sys.exit(child.returncode)  # the child printed its one line
        else:
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
    settings = _load_settings()
    host = host or settings.host
    port = port or settings.port
    _prepare(settings, long_running=True)
    _check_port(host, port)
    if no_jobs:
        os.environ["MVIDARR_WORKER_SLOTS"] = "0"
    if workers > 1:
        # The API processes uvicorn starts end with this one, even when it is killed (`kill -9`).
        os.environ[SUPERVISOR_ENV] = str(os.getpid())
    click.echo(f"mvidarr {__version__} serving on http://{host}:{port} (data in {settings.data_dir})", err=True)
    with _metrics_shared_by(workers, settings):
        _run_uvicorn(host, port, workers, settings)


def _run_uvicorn(host: str, port: int, workers: int, settings: Settings) -> None:
    import uvicorn

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
        ws="websockets-sansio",
        # Forwarding headers are believed only from MVIDARR_TRUSTED_PROXIES, by the app itself
        # (ForwardedHeadersMiddleware), which also keeps the connecting address for the proxy sign-in.
        proxy_headers=False,
    )


@contextlib.contextmanager
def _metrics_shared_by(workers: int, settings: Settings) -> Iterator[None]:
    """Several API processes keep their metrics in one fresh folder (prometheus_client's
    multiprocess mode), so any process's `/metrics` adds up all of them (decision 0033). Set before
    uvicorn starts the processes: prometheus_client reads it once, at import."""
    from mvidarr.metrics.process import MULTIPROC_ENV

    if workers < 2 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    folder = settings.data_dir / "tmp" / f"metrics-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(folder, ignore_errors=True)


async def _work(settings: Settings, slots: int) -> int:
    """Run jobs until SIGTERM/SIGINT; then stop claiming and requeue what is still running after the grace."""
    import signal

    from mvidarr.db import Database
    from mvidarr.jobs import workers
    from mvidarr.jobs.runtime import job_system
    from mvidarr.providers.hub import provider_hub
    from mvidarr.system import recovery

    db = Database.connect(settings.database, pool_size=max(4, slots + 2), pg_schema=settings.database_schema)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await recovery.recover(db)
        async with (
            provider_hub(db, settings) as providers,
            job_system(db, settings, providers=providers, slots=slots) as jobs,
        ):
            runner = jobs.runner
            assert runner is not None
            click.echo(f"mvidarr worker {runner.worker_id} running {slots} job slots", err=True)

            def figures() -> workers.Figures:
                return workers.Figures(slots=slots, running_jobs=runner.running_jobs)

            async with workers.reporting(db, runner.worker_id, figures, every_s=settings.job_heartbeat_s):
                died = asyncio.create_task(runner.wait_stopped())
                await asyncio.wait({died, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
            failed = runner.died is not None
    finally:
        await db.dispose()
    return 1 if failed else 0


@main.command()
@click.option(
    "--slots",
    type=click.IntRange(1, 256),
    default=None,
    help="Jobs run at once (default MVIDARR_WORKER_SLOTS, at least 1).",
)
def worker(slots: int | None) -> None:
    """Run job workers only (any number of processes, on any hosts sharing one PostgreSQL)."""
    from mvidarr.logs import configure_logging

    settings = _load_settings()
    # As `serve` does in create_app: JSON lines (or text) at the configured level, secrets redacted.
    configure_logging(settings.log_level, json_lines=settings.log_json, buffer_records=settings.log_buffer_records)
    _prepare(settings, long_running=True)
    sys.exit(asyncio.run(_work(settings, slots or max(1, settings.worker_slots))))


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


async def _import_legacy(
    settings: Settings, url: str, password: str | None, maps: tuple[str, ...], dry_run: bool, as_json: bool
) -> None:
    import dataclasses

    from mvidarr.auth.passwords import Passwords
    from mvidarr.db import Database
    from mvidarr.errors import InvalidInput, MvidarrError
    from mvidarr.events.hub import EventHub
    from mvidarr.kit.sealing import Sealer
    from mvidarr.legacy import service as legacy
    from mvidarr.legacy.paths import PathMap
    from mvidarr.legacy.source import LegacySource, LegacyUnreachable
    from mvidarr.legacy.summary import render
    from mvidarr.legacy.tasks import queue_follow_up
    from mvidarr.network.settings import policy_from_settings

    try:
        source = LegacySource.parse(url)
        if password is not None:
            source = dataclasses.replace(source, password=password)
        path_maps = [PathMap.parse(m) for m in maps]
    except InvalidInput as exc:
        _fail(str(exc))
    passwords = Passwords(settings)
    db = Database.connect(settings.database, pool_size=1, pg_schema=settings.database_schema)

    async def progress(fraction: float, message: str) -> None:
        if not as_json:
            click.echo(f"{fraction * 100:5.1f} %  {message}", err=True)

    try:
        # The same network policy as the admin page: a LAN database must be listed in
        # network.allowed_private_hosts; the checked address is the one connected to.
        async with db.reader() as session:
            policy = await policy_from_settings(session)
        address = await legacy.address_of(source, policy)
        report = await legacy.import_legacy(
            db,
            source,
            address=address,
            path_maps=path_maps,
            dry_run=dry_run,
            sealer=Sealer.from_secret(settings.resolve_secret_key()),
            hash_password=passwords.hash,
            policy=policy,
            progress=progress,
        )
        if not dry_run:
            # The scans and the thumbnail fetch are jobs: the server's workers run them (now, or when it starts).
            async with db.writer() as session:
                report.queued_jobs = await queue_follow_up(session, EventHub(db), report, created_by=None)
                await session.commit()
    except (LegacyUnreachable, MvidarrError) as exc:
        _fail(str(exc))
    finally:
        passwords.close()
        await db.dispose()
    click.echo(report.model_dump_json(indent=2) if as_json else render(report))


@main.command("import-legacy")
@click.argument("url")
@click.option("--dry-run", is_flag=True, help="Report what the import would do; change nothing.")
@click.option(
    "--map-path",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="0.9.7's library folder (absolute, or relative to its working directory such as data/musicvideos) "
    "and where those files are now, inside a root folder. Repeatable.",
)
@click.option("--password-stdin", is_flag=True, help="Read the database password from standard input (first line).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
def import_legacy(url: str, dry_run: bool, maps: tuple[str, ...], password_stdin: bool, as_json: bool) -> None:
    """Bring a MVidarr 0.9.7 library across from its MariaDB/MySQL database (read-only), e.g.
    mysql://mvidarr@192.168.1.5:3306/mvidarr. Its host must pass the network policy (a LAN host listed
    in network.allowed_private_hosts). Run it with --dry-run first; running it again changes nothing,
    and a later run brings what is new and what changed in 0.9.7 (not fields changed here since).
    The import queues scans of its root folders and the thumbnail fetch for the server's workers."""
    settings = _load_settings()
    _prepare(settings)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    asyncio.run(_import_legacy(settings, url, password, maps, dry_run, as_json))


async def _create_user(settings: Settings, username: str, password: str, role: str) -> None:
    from mvidarr.auth.passwords import Passwords
    from mvidarr.db import Database
    from mvidarr.models.user import Role
    from mvidarr.users import service as users

    passwords = Passwords(settings)
    db = Database.connect(settings.database, pool_size=1, pg_schema=settings.database_schema)
    try:
        password_hash = await passwords.hash(password)
        async with db.writer() as session:
            user = await users.create_user(session, username=username, password_hash=password_hash, role=Role(role))
            from mvidarr.audit import service as audit

            audit.record(
                session, "user.created", user_id=user.id, username=user.username, target_type="user",
                target_id=user.id, details={"role": role, "source": "cli"},
            )  # fmt: skip
            await session.commit()
    finally:
        passwords.close()
        await db.dispose()


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "manager", "user", "readonly"]),
    default="readonly",
    show_default=True,
    help="What the user may do.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
def users_create(username: str, role: str, password_stdin: bool) -> None:
    """Create a user; the password is prompted for (twice) unless --password-stdin."""
    from mvidarr.auth.passwords import policy_problem
    from mvidarr.errors import Conflict
    from mvidarr.users.schemas import UserCreate

    try:
        UserCreate(username=username, password="x" * 10, role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        _fail(f"username {username!r} is not valid: {exc.errors()[0]['msg']}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = policy_problem(password, username)
    if problem:
        _fail(problem)
    settings = _load_settings()
    _prepare(settings)
    try:
        asyncio.run(_create_user(settings, username, password, role))
    except Conflict as exc:
        _fail(str(exc))
    click.echo(f"created {role} {username}", err=True)


@main.group()
def backup() -> None:
    """Backups of the database, settings and secret key."""


def _read_passphrase(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    passphrase = sys.stdin.readline().rstrip("\r\n")
    if not passphrase:
        _fail("the passphrase on standard input is empty")
    return passphrase


async def _backup_create(settings: Settings, to: Path | None, passphrase: str | None) -> None:
    from mvidarr.backups import service
    from mvidarr.db import Database, utcnow
    from mvidarr.kit.sealing import Sealer
    from mvidarr.settings import service as runtime_settings

    db = Database.connect(settings.database, pool_size=2, pg_schema=settings.database_schema)
    try:
        if passphrase is None:
            sealer = Sealer.from_secret(settings.resolve_secret_key())
            async with db.reader() as session:
                passphrase = await runtime_settings.get(session, setting_keys.BACKUP_PASSPHRASE, sealer=sealer)
        path, manifest = await service.create(db, settings, passphrase=passphrase, now=utcnow(), to=to)
    finally:
        await db.dispose()
    for warning in manifest.warnings:
        click.echo(f"warning: {warning}", err=True)
    rows = sum(manifest.row_counts.values())
    click.echo(f"backup written to {path} ({rows} rows, schema {manifest.migration}, secret key {manifest.secret_key})")


@backup.command("create")
@click.option("--to", "to", default=None, help="A folder or file to write to (default: <data>/backups).")
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the passphrase that seals the secret key from standard input (default: the backups.passphrase "
    "setting; without either the key is left out).",
)
def backup_create(to: str | None, passphrase_stdin: bool) -> None:
    """Write a backup: a consistent copy of the database, the settings, the sealed secret key, a manifest."""
    passphrase = _read_passphrase(passphrase_stdin)
    settings = _load_settings()
    _prepare(settings)
    asyncio.run(_backup_create(settings, Path(to).expanduser().absolute() if to else None, passphrase))


async def _backup_restore(settings: Settings, path: Path, passphrase: str | None, dry_run: bool, force: bool) -> None:
    from mvidarr.backups import service
    from mvidarr.db import Database
    from mvidarr.errors import MvidarrError

    db = Database.connect(settings.database, pool_size=2, pg_schema=settings.database_schema)
    try:
        try:
            plan = await service.restore(
                db, settings, path, passphrase=passphrase, dry_run=dry_run,
                refuse_running_jobs=not force,
            )  # fmt: skip
        except MvidarrError as exc:
            _fail(exc.detail or exc.title)
    finally:
        await db.dispose()
    verb = "would replace" if dry_run else "replaced"
    click.echo(f"{plan.backup}: schema {plan.backup_migration} (this database: {plan.current_migration})")
    if plan.migrate_after:
        click.echo(f"the backup's schema is older: {'it would be' if dry_run else 'it was'} migrated afterwards")
    click.echo(f"{'table':<24}{'now':>10}{'backup':>10}")
    for table in plan.tables:
        click.echo(f"{table.table:<24}{'-' if table.current is None else table.current:>10}{table.backup:>10}")
    click.echo(f"secret key: {plan.secret_key}")
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{verb} the database with {plan.backup}", err=True)


@backup.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only show what the restore would replace.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase that opens the secret key from stdin.")
@click.option("--force", is_flag=True, help="Restore even though jobs are marked running (a server that was killed).")
def backup_restore(path: str, dry_run: bool, passphrase_stdin: bool, force: bool) -> None:
    """Replace the database (and the secret key, with its passphrase) with a backup's. Stop MVidarr first."""
    passphrase = _read_passphrase(passphrase_stdin)
    settings = _load_settings()
    _prepare(settings)
    asyncio.run(_backup_restore(settings, Path(path).expanduser().absolute(), passphrase, dry_run, force))
