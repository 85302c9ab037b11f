"""The worker: claims due jobs into a fixed number of slots and runs their handlers.

Side tasks renew leases (the heartbeat), requeue jobs of dead workers, and fire schedules.
One runner lives in `mvidarr serve` (unless `--no-jobs`) and is all of `mvidarr worker`.

One module past 400 lines on purpose: one class, `Runner`, whose loops (dispatch, heartbeat, reaper,
schedules) and job tasks share its slots, running jobs and stop state; split, that state would be passed by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
import multiprocessing
import os
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Coroutine, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.exc import DBAPIError, OperationalError

from mvidarr.config import Settings
from mvidarr.db import Database
from mvidarr.events.hub import Event, EventHub
from mvidarr.jobs import registry, repository, schedules, transitions
from mvidarr.jobs.clock import Clock, backoff_s
from mvidarr.jobs.context import JobContext, JobDeferred, JobInterrupted, RetryableJobError
from mvidarr.jobs.metrics import METRICS
from mvidarr.kit.lifetime import die_with_parent
from mvidarr.models import Job, JobStatus
from mvidarr.settings import service as runtime_settings

if TYPE_CHECKING:
    from mvidarr.providers.hub import ProviderHub

log = logging.getLogger("mvidarr.jobs")
BUILTIN_MODULES = (
    "mvidarr.jobs.tasks",
    "mvidarr.library.tasks",
    "mvidarr.quality.tasks",
    "mvidarr.providers.tasks",
    "mvidarr.metadata.tasks",
    "mvidarr.discovery.tasks",
    "mvidarr.monitors.tasks",
    "mvidarr.downloads.tasks",
    "mvidarr.downloads.update_tasks",
    "mvidarr.organise.tasks",
    "mvidarr.organise.nfo_tasks",
    "mvidarr.trash.tasks",
    "mvidarr.search.tasks",
    "mvidarr.library.bulk",
    "mvidarr.library.bulk_delete",
    "mvidarr.backups.tasks",
    "mvidarr.notifications.tasks",
    "mvidarr.legacy.tasks",
    "mvidarr.connections.tasks",
    "mvidarr.imports.tasks",
)
LIMIT_CACHE_S = 5.0
SCHEDULE_EVERY_S = 10.0
Stop = Literal["cancel", "shutdown", "lost"]


def load_job_types(extra: Iterable[str] = ()) -> None:
    """Import the modules that register job types: MVidarr's own, then plugins from settings."""
    for name in (*BUILTIN_MODULES, *extra):
        importlib.import_module(name)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RetryableJobError):
        return True
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    # httpx loads only where something fetches; if it is not loaded, this is no httpx error.
    httpx = sys.modules.get("httpx")
    if httpx is None:
        return False
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return bool(exc.response.status_code == 429 or exc.response.status_code >= 500)
    return False


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def worker_id_for(pid: int) -> str:
    """A worker's id: this host, the process and a random suffix (a pid is reused after restarts)."""
    return f"{socket.gethostname()[:60]}:{pid}:{uuid.uuid4().hex[:6]}"


def worker_gone(worker_id: str) -> bool:
    """Whether the worker that wrote `worker_id` is certainly dead: it ran on this host, in a process
    that no longer exists or is this one (asked at start-up, before this process runs any job; in a
    container every start is the same pid). A worker elsewhere, or a live process, is not known dead."""
    host, _, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:60] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, run by another user
        return False
    return False


@dataclass(slots=True)
class Running:
    job: Job
    ctx: JobContext
    task: asyncio.Task[None]
    stop: Stop | None = None
    hard_cancel: asyncio.TimerHandle | None = None
    finished: bool = False
    """The handler ended; the slot is free, its outcome waits to be recorded."""


class Runner:
    """Worker slots of one process."""

    def __init__(
        self,
        db: Database,
        events: EventHub,
        settings: Settings,
        *,
        providers: ProviderHub | None = None,
        slots: int | None = None,
        clock: Clock | None = None,
        run_schedules: bool = True,
    ) -> None:
        self.db = db
        self.events = events
        self.providers = providers
        self.settings = settings
        self.slots = settings.worker_slots if slots is None else slots
        self.clock = clock or Clock()
        self.lease_s = settings.job_lease_s
        self.heartbeat_s = settings.job_heartbeat_s
        self.poll_s = settings.job_poll_s
        self.shutdown_grace_s = settings.job_shutdown_grace_s
        self.cancel_grace_s = settings.job_cancel_grace_s
        self.run_schedules = run_schedules
        self.worker_id = worker_id_for(os.getpid())
        self.stopping = False
        self.died: BaseException | None = None
        self._running: dict[int, Running] = {}
        self._outcomes: list[transitions.Outcome] = []
        self._wake = asyncio.Event()
        self._side: list[asyncio.Task[None]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._limits: dict[str, int] = {}
        self._limits_at = -LIMIT_CACHE_S
        self._stopped = asyncio.Event()

    @property
    def running_jobs(self) -> int:
        """Jobs this runner is running now."""
        return len(self._running)

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.events.add_listener(self._on_event)
        loops: list[tuple[str, Coroutine[Any, Any, None]]] = [
            ("dispatch", self._dispatch_loop()),
            ("heartbeat", self._heartbeat_loop()),
            ("reaper", self._reaper_loop()),
        ]
        if self.run_schedules:
            loops.append(("schedules", self._schedule_loop()))
        for name, coroutine in loops:
            task = asyncio.create_task(coroutine, name=f"mvidarr-jobs-{name}")
            task.add_done_callback(self._side_done)
            self._side.append(task)
        log.info("job runner %s started with %d slots", self.worker_id, self.slots)

    def _side_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.stopping:
            return
        # A side task only ends by a bug; a worker without its heartbeat or claim loop must stop.
        self.died = task.exception() or RuntimeError(f"{task.get_name()} ended")
        log.critical("job runner task %s died; the runner stops", task.get_name(), exc_info=self.died)
        self.stopping = True
        self._stopped.set()
        self.wake()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    async def stop(self, grace_s: float | None = None) -> None:
        """Stop claiming, let running jobs finish for `grace_s`, then requeue what still runs."""
        self.stopping = True
        self._stopped.set()
        self.wake()
        self.events.remove_listener(self._on_event)
        grace = self.shutdown_grace_s if grace_s is None else grace_s
        tasks = [r.task for r in self._running.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for running in list(self._running.values()):
            if not running.task.done():
                running.stop = running.stop or "shutdown"
                running.task.cancel()
        leftover = [r.task for r in self._running.values()]
        if leftover:
            await asyncio.wait(leftover, timeout=10)
        # The dispatch loop records the outcomes (and releases) of the jobs that just ended.
        dispatch = self._side[0] if self._side else None
        if dispatch is not None and not dispatch.done():
            self.wake()
            await asyncio.wait({dispatch}, timeout=15)
        for task in self._side:
            task.cancel()
        for task in self._side:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._side.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def wake(self) -> None:
        self._wake.set()

    def process_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # One core stays with the event loop, so the API answers while CPU-heavy jobs run.
            workers = max(1, min(self.slots, (os.cpu_count() or 2) - 1))
            # Workers die with this process, even after a kill -9 (they are started from the loop's thread).
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    @property
    def running_ids(self) -> list[int]:
        return list(self._running)

    # -- events from other processes and requests -----------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.type == "events.reconnected":
            self.wake()  # wake-ups sent while the listener was away were lost
            return
        if not event.type.startswith("job."):
            return
        if event.type == "job.created":
            self.wake()  # coalesced: one claim for however many arrive before the loop runs
            return
        if event.type == "job.finished":
            # Only a limited type's finish frees something a claim could not take before.
            if event.data.get("type") in self._limits:
                self.wake()
            return
        job_id = event.data.get("id")
        if event.data.get("cancel_requested") and isinstance(job_id, int) and job_id in self._running:
            self._request_cancel(job_id)
        elif event.data.get("status") == "queued":
            self.wake()

    def _request_cancel(self, job_id: int) -> None:
        running = self._running.get(job_id)
        if running is None or running.hard_cancel is not None:
            return
        running.ctx.request_abort()
        loop = asyncio.get_running_loop()
        running.hard_cancel = loop.call_later(self.cancel_grace_s, self._hard_cancel, job_id, "cancel")

    def _hard_cancel(self, job_id: int, reason: Stop) -> None:
        running = self._running.get(job_id)
        if running is not None and not running.task.done():
            log.warning("job %s did not stop in time; cancelling its task (%s)", job_id, reason)
            running.stop = reason
            running.task.cancel()

    # -- the loops -------------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        """Slots taken by handlers still running."""
        return sum(1 for running in self._running.values() if not running.finished)

    async def _dispatch_loop(self) -> None:
        """Record finished jobs and claim new ones, both in one transaction per round.

        Outcomes that pile up while a round runs go together into the next (group commit), so
        a busy worker writes once per batch of jobs, not once per job. While stopping it only
        records, and ends when nothing is left to record.
        """
        failures = 0
        while True:
            self._wake.clear()
            if self.stopping and not self._outcomes and self.busy == 0:
                return
            outcomes, self._outcomes = self._outcomes, []
            free = 0 if self.stopping else self.slots - self.busy
            claimed = 0
            if outcomes or free > 0:
                try:
                    claimed = await self._store(outcomes, free)
                    failures = 0
                except (OperationalError, DBAPIError, OSError) as exc:
                    self._outcomes[:0] = outcomes
                    failures += 1
                    log.warning("recording or claiming jobs failed (%s); retrying", short_error(exc))
                    await asyncio.sleep(min(30.0, self.poll_s * failures))
                    continue
            if (claimed and claimed == free) or self._outcomes:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()

    async def _limits_now(self) -> dict[str, int]:
        if time.monotonic() - self._limits_at < LIMIT_CACHE_S:
            return self._limits
        limits: dict[str, int] = {}
        types = registry.limited_types()
        if types:
            async with self.db.reader() as session:
                for jt in types:
                    value = jt.concurrency
                    if jt.concurrency_setting:
                        setting = await runtime_settings.get_value(session, jt.concurrency_setting)
                        value = int(setting) if setting is not None else value
                    if value is not None:
                        limits[jt.name] = max(0, value)
        self._limits, self._limits_at = limits, time.monotonic()
        return limits

    async def _store(self, outcomes: list[transitions.Outcome], free: int) -> int:
        limits = await self._limits_now() if free > 0 else self._limits
        known = list(registry.REGISTRY) if free > 0 else []
        now = self.clock.now()
        jobs: Sequence[Job] = []
        async with self.db.writer() as session:
            try:
                await transitions.record_outcomes(session, self.events, self.worker_id, outcomes, now)
            except (OperationalError, DBAPIError, OSError):
                raise
            except Exception:  # a bug in recording must not stop the worker; the leases expire instead
                log.exception("recording %d job outcomes failed; they run again after their leases", len(outcomes))
                await session.rollback()
            if known:
                jobs = await repository.claim(
                    session,
                    worker_id=self.worker_id,
                    slots=free,
                    now=now,
                    lease_until=transitions.after(now, self.lease_s),
                    known_types=known,
                    limits=limits,
                )
                if jobs:
                    await self.events.emit(session, *(transitions.job_event("job.progress", job) for job in jobs))
            await session.commit()
        for outcome in outcomes:
            self._running.pop(outcome.job_id, None)
        for job in jobs:
            self._launch(job)
        return len(jobs)

    def _launch(self, job: Job) -> None:
        ctx = JobContext(self, job)
        task = asyncio.create_task(self._execute(job, ctx), name=f"mvidarr-job-{job.id}")
        self._running[job.id] = Running(job=job, ctx=ctx, task=task)
        task.add_done_callback(functools.partial(self._task_done, job.id))
        METRICS.observe_wait(job.type, (job.started_at - job.run_after).total_seconds() if job.started_at else 0.0)
        if job.cancel_requested:
            self._request_cancel(job.id)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            ids = list(self._running)
            if not ids:
                continue
            now = self.clock.now()
            try:
                async with self.db.writer() as session:
                    held = await repository.renew_leases(
                        session, self.worker_id, ids, now, transitions.after(now, self.lease_s)
                    )
                    await session.commit()
            except (OperationalError, DBAPIError, OSError) as exc:
                log.warning("renewing job leases failed (%s)", short_error(exc))
                continue
            for job_id in ids:
                running = self._running.get(job_id)
                if running is None or running.task.done():
                    continue
                if job_id not in held:
                    log.warning("job %s was taken from this worker (lease lost); stopping it", job_id)
                    running.ctx.request_abort()
                    self._hard_cancel(job_id, "lost")
                elif held[job_id]:
                    self._request_cancel(job_id)

    async def _reaper_loop(self) -> None:
        while True:
            await asyncio.sleep(max(0.2, min(self.lease_s / 4, 15.0)))
            try:
                await self.reclaim()
            except (OperationalError, DBAPIError, OSError) as exc:
                log.warning("reclaiming expired jobs failed (%s)", short_error(exc))

    async def reclaim(self) -> list[int]:
        async with self.db.writer() as session:
            ids = await transitions.reclaim_expired(session, self.events, self.clock.now())
            await session.commit()
        if ids:
            self.wake()
        return ids

    async def _schedule_loop(self) -> None:
        while True:
            try:
                fired = await schedules.fire_due(self.db, self.events, self.clock)
                if fired:
                    self.wake()
            except (OperationalError, DBAPIError, OSError) as exc:
                log.warning("firing schedules failed (%s)", short_error(exc))
            await asyncio.sleep(SCHEDULE_EVERY_S)

    # -- one job ---------------------------------------------------------------------------------

    async def _execute(self, job: Job, ctx: JobContext) -> None:
        definition = registry.REGISTRY.get(job.type)
        outcome: JobStatus | Literal["retry", "release", "defer", "lost"] = JobStatus.SUCCEEDED
        result: dict[str, Any] | None = None
        error: str | None = None
        detail: str | None = None
        retry_after: float | None = None
        deadline = asyncio.timeout(job.timeout_s)
        try:
            if definition is None:
                raise LookupError(f"job type {job.type} is not registered in this worker")
            params = definition.params.model_validate(job.params)
            async with deadline:
                result = await definition.handler(ctx, params)
            if ctx.cancelled:
                outcome = JobStatus.CANCELLED
        except asyncio.CancelledError:
            reason = self._stop_reason(job.id)
            if reason is None:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            outcome = JobStatus.CANCELLED if reason == "cancel" else "release" if reason == "shutdown" else "lost"
        except JobInterrupted:
            outcome = JobStatus.CANCELLED if ctx.cancelled else "release"
        except JobDeferred as deferred:
            outcome, error, retry_after = (
                (JobStatus.CANCELLED, None, None) if ctx.cancelled else ("defer", str(deferred), deferred.wait_s)
            )
        except Exception as exc:  # a handler's failure is the job's failure, never the worker's
            detail = "".join(traceback.format_exception(exc))
            if isinstance(exc, TimeoutError) and deadline.expired():
                outcome, error = JobStatus.FAILED, f"timed out after {job.timeout_s:g} s"
            elif ctx.cancelled:
                outcome, error = JobStatus.CANCELLED, short_error(exc)
            elif is_retryable(exc) and job.attempts < job.max_attempts and definition is not None:
                outcome, error = "retry", short_error(exc)
                hinted = exc.retry_after_s if isinstance(exc, RetryableJobError) else None
                retry_after = hinted or backoff_s(
                    job.attempts, base_s=definition.retry_base_s, max_s=definition.retry_max_s, clock=self.clock
                )
            else:
                outcome, error = JobStatus.FAILED, short_error(exc)
            # Failures reach the server log (and System -> Logs) with the job's id and type.
            if outcome == JobStatus.FAILED:
                log.warning("job %s (%s) failed: %s", job.id, job.type, error)
            elif outcome == "retry":
                log.warning("job %s (%s) failed, attempt %s; it runs again: %s", job.id, job.type, job.attempts, error)
        finally:
            running = self._running.get(job.id)
            if running is not None and running.hard_cancel is not None:
                running.hard_cancel.cancel()
            await ctx.close()
        self._finish(job, outcome, result, error, detail, retry_after)

    def _task_done(self, job_id: int, task: asyncio.Task[None]) -> None:
        running = self._running.get(job_id)
        if task.cancelled() and running is not None and running.task is task and not running.finished:
            self._running.pop(job_id, None)  # cancelled from outside (loop shutdown): nothing to record

    def _stop_reason(self, job_id: int) -> Stop | None:
        running = self._running.get(job_id)
        return running.stop if running is not None else None

    def _finish(
        self,
        job: Job,
        outcome: JobStatus | Literal["retry", "release", "defer", "lost"],
        result: dict[str, Any] | None,
        error: str | None,
        detail: str | None,
        retry_after: float | None,
    ) -> None:
        """Free the slot and queue the outcome for the dispatch loop's next transaction."""
        running = self._running.get(job.id)
        if outcome == "lost" or running is None:
            self._running.pop(job.id, None)
        else:
            running.finished = True
            retry_at = transitions.after(self.clock.now(), retry_after or 0) if outcome in ("retry", "defer") else None
            self._outcomes.append(
                transitions.Outcome(job.id, outcome, result=result, error=error, error_detail=detail, retry_at=retry_at)
            )
        self.wake()
