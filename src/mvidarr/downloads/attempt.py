"""One attempt of a `video.download` job.

A download runs yt-dlp in its own process group, into a temp folder under the data dir. Only a
complete file that probing can read is handed to the organiser, which moves it into the library
(journaled); a failed, cancelled or crashed attempt leaves nothing in the library, and the next
attempt of the job starts by removing whatever a dead attempt left in the temp folder.

Over 400 lines because it is one class, `Download`: its steps (pick candidates, wait for a host slot,
transfer, probe, place, record) share the attempt's state (its history row, live transfer figures,
held hosts, reasons so far), and splitting it would pass that state around by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from mvidarr.downloads import hosts, placement, refusals, repository, ytdlp
from mvidarr.downloads import settings as keys
from mvidarr.downloads.options import (
    Options,
    clear_job_leftovers,
    cookies_path,
    free_mb,
    load_options,
    po_token_argument,
    remove_tree,
    temp_root,
)
from mvidarr.downloads.ranking import Candidate, Wanted, rank, unique, youtube_url
from mvidarr.downloads.schemas import DownloadParams
from mvidarr.downloads.search import SearchResult, search_sources
from mvidarr.downloads.service import set_status
from mvidarr.jobs import service as jobs
from mvidarr.jobs.context import JobContext, JobDeferred, JobInterrupted, RetryableJobError
from mvidarr.jobs.registry import JobResult
from mvidarr.media.probe import ProbeResult, probe_file
from mvidarr.models import Artist, DownloadOutcome, Job, QualityProfile, Video, VideoStatus
from mvidarr.network import failures as network_failures
from mvidarr.network.settings import policy_from_settings
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.quality import service as quality
from mvidarr.settings import service as runtime_settings

MAX_ATTEMPTS = 4
ROW_EVERY_S = 1.0
DOWNLOAD_SHARE = 0.9
FAILOVER_KINDS = frozenset({"unavailable", "private", "geo", "age", "po_token", "not_media", "probe", "error"})
HOST_SLOT_WAIT_S = 15.0
"""How long a download waits for a free slot on its source host (downloads.per_host_concurrency) at
most: the download that frees the slot wakes the first one waiting for it."""


def host_busy_phrase(host: str) -> str:
    """The words a download waiting for a slot on `host` carries in its message (the slot's wake-up
    finds the waiting job by them)."""
    return f"download(s) from {host} already running"


class DownloadFailed(Exception):
    """No candidate could be downloaded; the message lists every reason."""


NO_ROOT_FOLDER_REASON = "there is no root folder to put the file in: add one under Settings -> Library, then retry"


def failure_reason(exc: BaseException) -> str:
    """The user-facing reason an attempt failed outside the transfer itself (placing, recording)."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"could not put the file into the library: {exc.strerror}{where}"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, DownloadFailed | NotEnoughSpace) else f"the download failed after fetching: {text}"


class NotEnoughSpace(Exception):
    """Free disk space is below the `downloads.min_free_disk_mb` setting."""


@dataclass(slots=True)
class _Transfer:
    """Live state of one candidate's transfer, fed by the worker's JSON lines."""

    phase: str = "video"
    downloaded: int | None = None
    total: int | None = None
    speed: float | None = None
    eta: float | None = None
    fraction: float = 0.0
    speeds: list[float] = field(default_factory=list)


class Download:
    """One attempt of a `video.download` job."""

    def __init__(self, ctx: JobContext, params: DownloadParams) -> None:
        self.ctx = ctx
        self.params = params
        self.video_id = params.video_id
        self.row_id: int | None = None
        self.host: str | None = None
        """The source host of the candidate being downloaded: its slot frees when that ends."""
        self.failures: list[dict[str, str]] = []
        self.transfer = _Transfer()
        self._row_written = 0.0
        self.started = time.monotonic()
        self.finished = False

    # -- bookkeeping ------------------------------------------------------------------------------

    async def _status(self, status: VideoStatus, reason: str | None = None) -> None:
        async with self.ctx.session() as session:
            await set_status(session, self.ctx.events, self.video_id, status, reason, job_id=self.ctx.job_id)
            await session.commit()

    async def _row(self, **values: Any) -> None:
        if self.row_id is None:
            return
        async with self.ctx.session() as session:
            await repository.update_download(session, self.row_id, values)
            await session.commit()

    async def _finish_row(self, outcome: DownloadOutcome, **values: Any) -> None:
        self.finished = True
        elapsed = time.monotonic() - self.started
        await self._row(
            status=outcome,
            failures=self.failures,
            finished_at=self.ctx.now(),
            elapsed_s=round(elapsed, 3),
            eta_s=None,
            **values,
        )
        if self.host is not None:
            await self._free_host_slot(self.host)

    async def _free_host_slot(self, host: str) -> None:
        """A download from `host` ended: the first job waiting for a slot on that host goes now
        instead of at the end of its wait (HOST_SLOT_WAIT_S is then only a fallback)."""
        async with self.ctx.session() as session:
            woken = await jobs.wake_one_waiting(session, self.ctx.job_type, host_busy_phrase(host), self.ctx.now())
            await session.commit()
        if woken is not None:
            await self.ctx.log("info", f"a download slot on {host} is free: job {woken} goes now")

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        state = self.transfer
        if kind == "phase":
            state.phase = str(event.get("phase") or state.phase)
            state.fraction = max(state.fraction, 0.92 * DOWNLOAD_SHARE / 0.9)
            await self.ctx.progress(min(0.93, state.fraction), "merging video and audio")
            await self._row(phase=state.phase)
            return
        if kind == "log":
            await self.ctx.log(str(event.get("level") or "info"), str(event.get("message") or ""))
            return
        if kind != "progress":
            return
        streams = max(1, int(event.get("streams") or 1))
        done = int(event.get("streams_done") or 0)
        part = event.get("stream_fraction")
        share = (min(done, streams) + (float(part) if part is not None else 0.0)) / streams
        state.fraction = max(state.fraction, min(1.0, share) * DOWNLOAD_SHARE)
        state.phase = str(event.get("phase") or state.phase)
        state.downloaded = event.get("downloaded_bytes")
        state.total = event.get("total_bytes")
        state.speed = float(event["speed"]) if event.get("speed") else state.speed
        state.eta = float(event["eta_s"]) if event.get("eta_s") is not None else None
        if state.speed:
            state.speeds.append(state.speed)
        message = f"downloading {state.phase}: {_mb(state.downloaded)}"
        if state.total:
            message += f" of {_mb(state.total)}"
        if state.speed:
            message += f" at {_mb(state.speed)}/s"
        await self.ctx.progress(state.fraction, message, eta_s=state.eta, speed=state.speed)
        now = time.monotonic()
        if now - self._row_written >= ROW_EVERY_S:
            self._row_written = now
            await self._row(
                phase=state.phase,
                downloaded_bytes=state.downloaded,
                total_bytes=state.total,
                speed=state.speed,
                eta_s=state.eta,
            )

    # -- the run ----------------------------------------------------------------------------------

    async def run(self) -> JobResult:
        ctx = self.ctx
        async with ctx.reader() as session:
            found = await repository.video_and_artist(session, self.video_id)
            if found is None:
                raise DownloadFailed(f"video {self.video_id} does not exist")
            video, artist = found
            profile = await quality.profile_for_artist(session, artist)
            blocked = await repository.blocklisted_keys(session, self.video_id)
            root_path = await placement.library_root(session, artist)
        await self._hold_for_window()
        options = await load_options(ctx, profile, self.params.rate_limit_kib_s)
        root = temp_root(ctx.data_dir)
        leftovers = await ctx.to_thread(clear_job_leftovers, root, ctx.job_id)
        if leftovers:
            await ctx.log("warning", f"removed {leftovers} temp folder(s) left by an earlier attempt")
        async with ctx.session() as session:
            await repository.close_stale(session, ctx.job_id, ctx.now())
            row = await repository.add_download(
                session,
                {
                    "video_id": self.video_id,
                    "job_id": ctx.job_id,
                    "attempt": max(1, ctx.attempt),
                    "upgrade": self.params.upgrade,
                    "status": DownloadOutcome.RUNNING,
                    "phase": "searching",
                    "duration_s": video.duration_s,
                    "started_at": ctx.now(),
                    "candidates": [],
                    "failures": [],
                },
            )
            await set_status(session, ctx.events, self.video_id, VideoStatus.DOWNLOADING, job_id=ctx.job_id)
            await session.commit()
            self.row_id = row.id
        try:
            return await self._run(video, artist, profile, blocked, root_path, options, root)
        except (JobInterrupted, asyncio.CancelledError):
            with contextlib.suppress(Exception):
                await asyncio.shield(self._stopped())
            raise
        except JobDeferred:
            raise
        except Exception as exc:
            # Whatever phase failed (placing, the NFO, the database), the attempt and the video end
            # failed with the reason instead of staying "downloading".
            if not self.finished:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._fail(failure_reason(exc)))
            raise

    async def _hold_for_window(self) -> None:
        """Scheduled and automatic downloads start only inside the download window; one a user started
        (the job has a creator) is not held back."""
        if self.ctx.created_by is not None:
            return
        async with self.ctx.reader() as session:
            start = await runtime_settings.get(session, keys.WINDOW_START)
            end = await runtime_settings.get(session, keys.WINDOW_END)
        wait = hosts.window_wait_s(self.ctx.now(), start, end)
        if wait is None:
            return
        reason = (
            f"waiting for the download window ({start:02d}:00 to {end:02d}:00 UTC, settings "
            f"{keys.WINDOW_START} and {keys.WINDOW_END})"
        )
        await self._status(VideoStatus.QUEUED, reason)
        raise JobDeferred(reason, wait_s=wait)

    async def _stopped(self) -> None:
        if self.ctx.cancelled:
            await self._finish_row(DownloadOutcome.CANCELLED, reason="cancelled", phase=None)
            await self._status(VideoStatus.WANTED, "download cancelled")
        else:
            await self._finish_row(DownloadOutcome.CANCELLED, reason="worker stopped; the job runs again", phase=None)
            await self._status(VideoStatus.QUEUED, "requeued: the worker stopped")

    async def _run(
        self,
        video: Video,
        artist: Artist,
        profile: QualityProfile | None,
        blocked: set[str],
        root_path: Path | None,
        options: Options,
        temp: Path,
    ) -> JobResult:
        ctx = self.ctx
        if root_path is None:
            reason = NO_ROOT_FOLDER_REASON
            await self._fail(reason)
            raise DownloadFailed(reason)
        for where in filter(None, (temp, root_path)):
            free = await ctx.to_thread(free_mb, where)
            if free < options.min_free_mb:
                reason = (
                    f"not enough free disk space in {where}: {free:.0f} MB free, "
                    f"{options.min_free_mb} MB required (setting {keys.MIN_FREE_MB})"
                )
                await self._fail(reason)
                raise NotEnoughSpace(reason)
        candidates, search = await self._candidates(video, artist, options, blocked)
        await self._publish_candidates(candidates)
        usable = [c for c in candidates if not c.rejected and c.key not in blocked]
        if not usable:
            nothing = (
                f"the video has no known source and the search could not run: {search.failure}"
                if search is not None and search.failure
                else "the video has no known source and the search found nothing"
            )
            reason = "no source to download: " + (
                "; ".join(f"{c.url}: {'blocklisted' if c.key in blocked else 'rejected'}" for c in candidates)
                or nothing
            )
            if search is not None and search.retryable and not candidates and ctx.attempt < MAX_ATTEMPTS:
                await self._finish_row(DownloadOutcome.FAILED, reason=f"will retry: {reason}", phase=None)
                await self._status(VideoStatus.QUEUED, f"retrying: {reason}")
                raise RetryableJobError(reason)
            await self._fail(reason)
            raise DownloadFailed(reason)
        transient = False
        tried = 0
        # Hosts that asked us to wait (a rate limit, a bot check): their candidates wait with them
        # instead of failing one after another.
        async with ctx.reader() as session:
            held = {
                row.host: (row.wait_until, refusals.explain(row.kind, row.reason or "", row.host))
                for row in (
                    await repository.waiting_hosts(session, (refusals.source_host(c.url) for c in usable), ctx.now())
                ).values()
            }
        for index, candidate in enumerate(usable):
            ctx.check_abort()
            host = refusals.source_host(candidate.url)
            if host in held:
                continue
            if not await self._host_slot_free(host, options.per_host):
                held[host] = (
                    ctx.now() + timedelta(seconds=HOST_SLOT_WAIT_S),
                    refusals.Refusal(
                        "host_busy",
                        f"{options.per_host} {host_busy_phrase(host)}",
                        f"none needed; setting {keys.PER_HOST} allows more at once",
                    ),
                )
                continue
            tried += 1
            folder = temp / f"job-{ctx.job_id}-a{max(1, ctx.attempt)}-c{index}"
            try:
                result = await self._try(candidate, folder, video, artist, profile, options, host)
            except ytdlp.YtDlpStopped:
                raise JobInterrupted from None
            except _CandidateFailed as failed:
                refusal = refusals.explain(failed.kind, failed.reason, host)
                failure = {"url": candidate.url, "kind": failed.kind, "reason": refusal.reason}
                if refusal.fix:
                    failure["fix"] = refusal.fix
                self.failures.append(failure)
                await ctx.log("warning", f"{candidate.url}: {refusal.reason} ({failed.kind})")
                if failed.kind in refusals.HOST_WIDE:
                    held[host] = (await self._hold_host(host, failed, refusal, options), refusal)
                transient = transient or failed.kind == "transient"
                self.host = None
                await self._free_host_slot(host)
                continue
            finally:
                await ctx.to_thread(remove_tree, folder)
            return result
        if held:
            await self._wait_for_hosts(held, tried)
        reasons = "; ".join(f"{f['url']}: {f['reason']}" for f in self.failures)
        fixes = "; ".join(dict.fromkeys(f["fix"] for f in self.failures if f.get("fix")))
        if transient and ctx.attempt < MAX_ATTEMPTS:
            await self._finish_row(DownloadOutcome.FAILED, reason=f"will retry: {reasons}", phase=None)
            await self._status(VideoStatus.QUEUED, f"retrying after transient errors: {reasons}")
            raise RetryableJobError(f"every source failed, some transiently: {reasons}")
        await self._fail(f"every source failed: {reasons}", fix=fixes or None)
        raise DownloadFailed(f"every source failed: {reasons}")

    async def _host_slot_free(self, host: str, limit: int) -> bool:
        if limit <= 0:
            return True
        async with self.ctx.reader() as session:
            running = await repository.running_from_host(session, host, other_than=self.row_id)
        return running < limit

    async def _hold_host(
        self, host: str, failed: _CandidateFailed, refusal: refusals.Refusal, options: Options
    ) -> datetime:
        async with self.ctx.session() as session:
            until = await hosts.record_refusal(
                session,
                host,
                failed.kind,
                refusal.reason,
                retry_after_s=failed.retry_after_s,
                now=self.ctx.now(),
                base_s=options.backoff_base_s,
                max_s=options.backoff_max_s,
            )
            await session.commit()
        await self.ctx.log("warning", f"downloads from {host} wait until {until:%H:%M:%S} UTC: {refusal.reason}")
        return until

    async def _wait_for_hosts(self, held: dict[str, tuple[datetime, refusals.Refusal]], tried: int) -> None:
        """No candidate succeeded and some wait on their host: the job waits for the earliest host, its
        attempt not counted, the video queued with the reason and its fix (never failed for waiting)."""
        host, (until, refusal) = min(held.items(), key=lambda item: item[1][0])
        reason = f"waiting until {until:%Y-%m-%d %H:%M:%S} UTC: {refusal.reason}"
        if tried:
            others = "; ".join(
                f"{f['url']}: {f['reason']}" for f in self.failures if refusals.source_host(f["url"]) != host
            )
            await self._finish_row(
                DownloadOutcome.FAILED,
                reason=reason + (f" (also: {others})" if others else ""),
                fix=refusal.fix,
                phase=None,
            )
        else:
            await self._drop_row()
        await self._status(VideoStatus.QUEUED, reason + (f". Fix: {refusal.fix}" if refusal.fix else ""))
        wait = max(1.0, (until - self.ctx.now()).total_seconds())
        raise JobDeferred(reason + (f". Fix: {refusal.fix}" if refusal.fix else ""), wait_s=wait)

    async def _drop_row(self) -> None:
        """Nothing was tried in this run (every host was waiting): it leaves no attempt in the history."""
        if self.row_id is None:
            return
        self.finished = True
        async with self.ctx.session() as session:
            await repository.delete_download(session, self.row_id)
            await session.commit()
        self.row_id = None

    async def _fail(self, reason: str, fix: str | None = None) -> None:
        await self._finish_row(DownloadOutcome.FAILED, reason=reason, fix=fix, phase=None)
        async with self.ctx.session() as session:
            await set_status(
                session, self.ctx.events, self.video_id, VideoStatus.FAILED, reason, job_id=self.ctx.job_id
            )
            await raise_event(
                session,
                catalogue.DOWNLOAD_FAILED,
                {"video_id": self.video_id, "reason": reason[:1000], "job_id": self.ctx.job_id},
            )
            await session.commit()

    async def _candidates(
        self, video: Video, artist: Artist, options: Options, blocked: set[str]
    ) -> tuple[list[Candidate], SearchResult | None]:
        """The sources to try, and the search made for them (None when the video's own were enough)."""
        if self.params.source_url:
            return [Candidate(url=self.params.source_url, origin="override")], None
        known: list[Candidate] = []
        if video.youtube_id:
            known.append(Candidate(url=youtube_url(video.youtube_id), origin="youtube_id"))
        for source in video.sources or []:
            url = source.get("url") if isinstance(source, dict) else None
            if url:
                known.append(Candidate(url=str(url), origin="source"))
        if known:
            return unique(known), None
        wanted = Wanted(
            artist=artist.name, title=video.title, kind=video.kind, duration_s=video.duration_s, label=video.label
        )
        search = await search_sources(self.ctx, wanted, options.search_results)
        if search.failure is None:
            found = len(search.candidates)
            await self.ctx.log("info", f"search found {found} candidate(s) for {artist.name} - {video.title}")
        return unique(rank(wanted, search.candidates)), search

    async def _publish_candidates(self, candidates: list[Candidate]) -> None:
        """The ranked candidates, on the attempt and on the job, so the user can pick another."""
        listed = [c.as_json() for c in candidates]
        await self._row(candidates=listed, phase="video")
        async with self.ctx.session() as session:
            await session.execute(update(Job).where(Job.id == self.ctx.job_id).values(result={"candidates": listed}))
            await session.commit()

    async def _try(
        self,
        candidate: Candidate,
        folder: Path,
        video: Video,
        artist: Artist,
        profile: QualityProfile | None,
        options: Options,
        host: str,
    ) -> JobResult:
        ctx = self.ctx
        self.transfer = _Transfer()
        await ctx.to_thread(folder.mkdir, parents=True, exist_ok=True)
        self.host = host
        await self._row(
            source_url=candidate.url,
            source_title=candidate.title,
            source_channel=candidate.channel,
            source_host=host,
            phase="video",
        )
        await ctx.progress(0.0, f"starting {candidate.url}")
        cookies = cookies_path(ctx.data_dir)
        request = {
            "url": candidate.url,
            "folder": str(folder),
            "format": options.format,
            "merge_format": options.merge_format,
            "ffmpeg": ctx.ffmpeg,
            "rate_limit": options.rate_limit,
            "cookies": str(cookies) if cookies.exists() else None,
            "subtitles": options.subtitles,
            "subtitle_languages": options.subtitle_languages,
            "embed_metadata": options.embed_metadata,
            "thumbnail": True,
            "po_token": po_token_argument(options.po_token) if options.po_token else None,
            "sponsorblock": options.sponsorblock,
        }
        async with ctx.reader() as session:
            policy = await policy_from_settings(session)
        try:
            fetched = await ytdlp.download(
                request, policy=policy, on_event=self._on_event, should_stop=ctx.should_abort
            )
        except ytdlp.YtDlpFailed as exc:
            # "The network is unreachable" in plain words, not yt-dlp's errno text.
            network = network_failures.describe(exc.message)
            plain = network.text if network.offline else exc.message
            raise _CandidateFailed(exc.kind, plain, exc.retry_after_s) from None
        ctx.check_abort()
        await ctx.progress(0.94, "probing the downloaded file")
        try:
            probe: ProbeResult = await ctx.to_process(probe_file, str(fetched.path))
        except Exception as exc:  # a crashed probe is this file's failure
            raise _CandidateFailed("probe", f"probe failed: {type(exc).__name__}: {exc}") from None
        if probe.error or (probe.width is None and probe.audio_codec is None):
            raise _CandidateFailed("probe", f"not a playable file: {probe.error or 'no streams'}")
        ctx.check_abort()
        await ctx.progress(0.96, "moving into the library")
        await self._row(phase="moving")
        self.transfer.phase = "moving"
        placed = await placement.place(
            ctx,
            video_id=self.video_id,
            source=fetched.path,
            sidecars=[p for p in (*fetched.subtitles, fetched.thumbnail) if p is not None],
            probe=probe,
            replace=self.params.upgrade,
        )
        await placement.after_placement(ctx, self.video_id, placed, probe, fetched.thumbnail)
        info = fetched.info
        elapsed = time.monotonic() - self.started
        size = placed.size
        speed = sum(self.transfer.speeds) / len(self.transfer.speeds) if self.transfer.speeds else None
        await self._finish_row(
            DownloadOutcome.SUCCEEDED,
            phase=None,
            reason=None,
            format_id=str(info.get("format_id") or "")[:200] or None,
            quality_label=probe.quality_label,
            container=probe.container,
            video_codec=probe.video_codec,
            audio_codec=probe.audio_codec,
            size=size,
            downloaded_bytes=size,
            total_bytes=size,
            speed=speed,
            duration_s=probe.duration_s,
            relative_path=placed.relative_path,
        )
        async with ctx.session() as session:
            await repository.clear_host(session, host, ctx.now())
            values: dict[str, Any] = {"status": VideoStatus.DOWNLOADED}
            if probe.duration_s and not video.duration_s:
                values["duration_s"] = probe.duration_s
            await session.execute(update(Video).where(Video.id == self.video_id).values(**values))
            await set_status(
                session, ctx.events, self.video_id, VideoStatus.DOWNLOADED, job_id=ctx.job_id, path=placed.relative_path
            )
            await raise_event(
                session,
                catalogue.VIDEO_UPGRADED if self.params.upgrade else catalogue.VIDEO_DOWNLOADED,
                {
                    "video_id": self.video_id,
                    "artist": artist.name,
                    "title": video.title,
                    "path": str(placed.path),
                    "quality": probe.quality_label,
                    "source_url": candidate.url,
                    "job_id": ctx.job_id,
                },
            )
            await session.commit()
        await ctx.log("info", f"downloaded {candidate.url} ({probe.quality_label}, {_mb(size)}) in {elapsed:.1f} s")
        return {
            "candidates": [],
            "source_url": candidate.url,
            "path": placed.relative_path,
            "quality_label": probe.quality_label,
            "size": size,
            "failures": self.failures,
        }


class _CandidateFailed(Exception):
    def __init__(self, kind: str, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_after_s = retry_after_s


def _mb(value: float | int | None) -> str:
    return f"{(value or 0) / 1_000_000:.1f} MB"
