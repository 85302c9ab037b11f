"""What a handler gets: progress, logs, cancellation, child jobs, sessions, threads and processes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mvidarr.jobs import repository, service, transitions
from mvidarr.jobs.clock import Clock
from mvidarr.media.ffmpeg import ffmpeg_binary
from mvidarr.models import Job

if TYPE_CHECKING:
    from pathlib import Path

    from mvidarr.config import Settings
    from mvidarr.db import Database
    from mvidarr.events.hub import EventHub
    from mvidarr.jobs.runner import Runner
    from mvidarr.providers.hub import ProviderHub

log = logging.getLogger("mvidarr.jobs")
PROGRESS_EVERY_S = 0.25
MAX_LOG_LINES = 1000
LEVELS = frozenset({"debug", "info", "warning", "error"})
T = TypeVar("T")
PS = ParamSpec("PS")


class RetryableJobError(Exception):
    """Raise from a handler for a failure worth retrying (network, 429, 5xx)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class JobDeferred(Exception):
    """Raise from a handler to put the job back in the queue until later without counting the attempt
    (a source host asked us to wait, the download window is closed): waiting is not failing."""

    def __init__(self, message: str, *, wait_s: float) -> None:
        super().__init__(message)
        self.wait_s = max(0.0, wait_s)


class JobInterrupted(Exception):
    """Raised by `ctx.check_abort()`: the job stops early because it was cancelled or the worker stops."""


class JobContext:
    """Handed to `run(ctx, params)`; one per attempt of one job."""

    def __init__(self, runner: Runner, job: Job) -> None:
        self._runner = runner
        self.job_id = job.id
        self.job_type = job.type
        self.attempt = job.attempts
        self.parent_id = job.parent_id
        self.created_by = job.created_by
        self._abort = job.cancel_requested
        self._last_write = 0.0
        self._pending: dict[str, Any] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._log_lines = 0
        self._log_buffer: list[dict[str, Any]] = []

    @property
    def session(self) -> async_sessionmaker[AsyncSession]:
        """Session factory for short units of work (`async with ctx.session() as s: ...; await s.commit()`)."""
        return self._runner.db.writer

    @property
    def reader(self) -> async_sessionmaker[AsyncSession]:
        return self._runner.db.reader

    @property
    def events(self) -> EventHub:
        """The event hub, for handlers that announce changes to what they work on (`video.updated`...)."""
        return self._runner.events

    @property
    def providers(self) -> ProviderHub:
        """The provider hub (MusicBrainz, IMVDb, YouTube...) the worker was given."""
        providers = self._runner.providers
        if providers is None:
            raise RuntimeError("this worker runs without a provider hub; pass `providers=` to its Runner")
        return providers

    @property
    def clock(self) -> Clock:
        return self._runner.clock

    @property
    def db(self) -> Database:
        """The database, for work that needs more than sessions (a backup's consistent copy)."""
        return self._runner.db

    @property
    def settings(self) -> Settings:
        """The process settings (data dir, secret key) the worker runs with."""
        return self._runner.settings

    @property
    def data_dir(self) -> Path:
        """The data dir: artwork, temp downloads, cookies, backups live under it."""
        return self._runner.settings.data_dir

    @property
    def ffmpeg(self) -> str:
        """The ffmpeg binary to run (the configured one, else the bundled one)."""
        return ffmpeg_binary(self._runner.settings.ffmpeg_path)

    def should_abort(self) -> bool:
        """True once the job was cancelled or the worker is shutting down: stop soon."""
        return self._abort or self._runner.stopping

    @property
    def cancelled(self) -> bool:
        """True once a user cancelled this job (not merely a worker shutdown)."""
        return self._abort

    def check_abort(self) -> None:
        """Raise JobInterrupted if the job should stop; call it between units of work."""
        if self.should_abort():
            raise JobInterrupted

    def request_abort(self) -> None:
        self._abort = True

    async def progress(
        self, fraction: float, message: str | None = None, eta_s: float | None = None, speed: float | None = None
    ) -> None:
        """Report progress 0..1; written at most every 250 ms (the latest value always lands)."""
        self._pending = {
            "progress": min(1.0, max(0.0, float(fraction))),
            "message": message[:500] if message is not None else None,
            "eta_s": eta_s,
            "speed": speed,
        }
        wait = self._last_write + PROGRESS_EVERY_S - time.monotonic()
        if wait <= 0:
            await self._flush_progress()
        elif self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later(wait), name=f"job-{self.job_id}-progress")

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._flush_progress()

    async def _flush_progress(self) -> None:
        values, self._pending = self._pending, None
        if values is None:
            return
        self._last_write = time.monotonic()
        now = self.clock.now()
        values["heartbeat_at"] = now
        runner = self._runner
        async with runner.db.writer() as session:
            kept = await transitions.write_progress(
                session, runner.events, self.job_id, runner.worker_id, values, transitions.after(now, runner.lease_s)
            )
            await session.commit()
        if not kept:
            self._abort = True

    async def log(self, level: str, message: str) -> None:
        """Append a line to the job's log (kept per job up to a cap)."""
        level = level.lower() if level.lower() in LEVELS else "info"
        if self._log_lines >= MAX_LOG_LINES:
            return
        self._log_lines += 1
        text = message if self._log_lines < MAX_LOG_LINES else f"log capped at {MAX_LOG_LINES} lines"
        self._log_buffer.append({"job_id": self.job_id, "at": self.clock.now(), "level": level, "message": text[:4000]})
        if len(self._log_buffer) >= 50 or level in ("warning", "error"):
            await self.flush_logs()

    async def flush_logs(self) -> None:
        rows, self._log_buffer = self._log_buffer, []
        if rows:
            async with self._runner.db.writer() as session:
                await repository.add_logs(session, rows)
                await session.commit()

    async def spawn(self, job_type: str, params: dict[str, Any] | BaseModel, *, priority: int | None = None) -> int:
        """Enqueue a child job; this job finishes (and reports their aggregate progress) once all have."""
        runner = self._runner
        async with runner.db.writer() as session:
            job, _created = await service.enqueue(
                session,
                runner.events,
                job_type,
                params,
                priority=priority,
                parent_id=self.job_id,
                created_by=self.created_by,
                clock=runner.clock,
            )
            await session.commit()
        runner.wake()
        return job.id

    async def spawn_many(
        self, job_type: str, params: Sequence[dict[str, Any] | BaseModel], *, priority: int | None = None
    ) -> list[int]:
        """Enqueue many child jobs of one type in one transaction (a bulk job: one child per video...)."""
        runner = self._runner
        async with runner.db.writer() as session:
            jobs = await service.enqueue_many(
                session,
                runner.events,
                job_type,
                params,
                priority=priority,
                parent_id=self.job_id,
                created_by=self.created_by,
                clock=runner.clock,
            )
            await session.commit()
        runner.wake()
        return [job.id for job in jobs]

    async def to_thread(self, function: Callable[PS, T], *args: PS.args, **kwargs: PS.kwargs) -> T:
        """Run blocking work (I/O, C code that releases the GIL) in a thread."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def to_process(self, function: Callable[..., T], *args: Any) -> T:
        """Run CPU-heavy Python in the worker's process pool, so the event loop stays responsive."""
        executor: Executor = self._runner.process_pool()
        return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(function, *args))

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        # The last progress lands (a final "warning: ..." message was lost when it came within 250 ms).
        with contextlib.suppress(Exception):
            await self._flush_progress()
        with contextlib.suppress(Exception):
            await self.flush_logs()

    def now(self) -> datetime:
        return self.clock.now()
