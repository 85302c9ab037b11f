"""Download job types: `video.download`, its bulk parent, auto-download, `video.upgrade` and the upgrade search.

A download runs yt-dlp in its own process group, into a temp folder under the data dir. Only a
complete file that probing can read is handed to the organiser, which moves it into the library
(journaled); a failed, cancelled or crashed attempt leaves nothing in the library, and the next
attempt of the job starts by removing whatever a dead attempt left in the temp folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from mvidarr.config import Settings
from mvidarr.downloads import hosts, placement, refusals, repository, ytdlp
from mvidarr.downloads import settings as keys
from mvidarr.downloads.formats import best_offered, choose_format, decide_upgrade
from mvidarr.downloads.ranking import Candidate, Wanted, rank, unique, youtube_url
from mvidarr.downloads.schemas import BulkDownloadParams, DownloadParams, ScheduledParams, UpgradeParams
from mvidarr.downloads.search import SearchResult, search_sources
from mvidarr.downloads.service import BULK, DOWNLOAD, set_status
from mvidarr.jobs.context import JobContext, JobDeferred, JobInterrupted, RetryableJobError
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.sealing import Sealer
from mvidarr.media.probe import ProbeResult, probe_file
from mvidarr.metadata.tasks import enrich_after_download
from mvidarr.models import Artist, DownloadOutcome, Job, QualityProfile, RootFolder, Video, VideoStatus
from mvidarr.network import failures as network_failures
from mvidarr.network.policy import policy_from_settings
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.quality import service as quality
from mvidarr.settings import service as runtime_settings

UPGRADE = "video.upgrade"
AUTO = "downloads.auto"
UPGRADE_SEARCH = "downloads.upgrade_search"
MAX_ATTEMPTS = 4
ROW_EVERY_S = 1.0
DOWNLOAD_SHARE = 0.9
FAILOVER_KINDS = frozenset({"unavailable", "private", "geo", "age", "po_token", "not_media", "probe", "error"})
HOST_SLOT_WAIT_S = 15.0
"""How long a download waits for a free slot on its source host (downloads.per_host_concurrency)."""


@dataclass(slots=True)
class _Config:
    data_dir: Path | None = None
    ffmpeg: str | None = None


_config = _Config()


def configure(settings: Settings) -> None:
    """Tell download jobs of this process where the data dir and ffmpeg are."""
    _config.data_dir = settings.data_dir
    _config.ffmpeg = settings.ffmpeg_path


def ffmpeg_binary() -> str:
    if _config.ffmpeg:
        return _config.ffmpeg
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def temp_root() -> Path:
    if _config.data_dir is None:
        raise RuntimeError("downloads are not configured with a data dir (call downloads.tasks.configure)")
    return _config.data_dir / "tmp" / "downloads"


def cookies_path() -> Path | None:
    return _config.data_dir / "cookies" / "cookies.txt" if _config.data_dir is not None else None


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
class _Options:
    format: str
    merge_format: str
    rate_limit: int | None
    subtitles: bool
    subtitle_languages: list[str]
    embed_metadata: bool
    min_free_mb: int
    search_results: int
    po_token: str | None = None
    per_host: int = 0
    backoff_base_s: float = 60.0
    backoff_max_s: float = 6 * 3600.0
    sponsorblock: dict[str, Any] | None = None


async def _options(ctx: JobContext, profile: QualityProfile | None, rate_limit_kib_s: int | None = None) -> _Options:
    async with ctx.reader() as session:
        values = await keys.load(session, Sealer.from_secret(ctx.settings.resolve_secret_key()))
    choice = choose_format(profile, compatibility=values.compatibility)
    rate = rate_limit_kib_s or values.rate_limit_kib_s
    return _Options(
        format=choice.expression,
        merge_format=choice.merge_format,
        rate_limit=rate * 1024 if rate else None,
        subtitles=values.subtitles,
        subtitle_languages=values.subtitle_languages or ["en"],
        embed_metadata=values.embed_metadata,
        min_free_mb=values.min_free_mb,
        search_results=values.search_results,
        po_token=values.po_token or None,
        per_host=values.per_host,
        backoff_base_s=float(values.backoff_base_s),
        backoff_max_s=float(values.backoff_max_s),
        sponsorblock=_sponsorblock(profile, values.sponsorblock_api),
    )


def _sponsorblock(profile: QualityProfile | None, api: str) -> dict[str, Any] | None:
    """What the worker does with SponsorBlock's segments for this profile (None: nothing asked)."""
    if profile is None or profile.sponsorblock not in ("cut", "mark") or not profile.sponsorblock_categories:
        return None
    return {"mode": profile.sponsorblock, "categories": list(profile.sponsorblock_categories), "api": api}


def po_token_argument(token: str) -> str:
    """yt-dlp's `youtube:po_token` value: CLIENT.CONTEXT+TOKEN as given, a bare token for web's streams."""
    return token if "+" in token else f"web.gvs+{token}"


def _free_mb(path: Path) -> float:
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free / 1_000_000


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _clear_job_leftovers(root: Path, job_id: int) -> int:
    """Temp folders earlier attempts of this job left (a killed worker): removed before starting."""
    if not root.exists():
        return 0
    stale = list(root.glob(f"job-{job_id}-*"))
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


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
        self.failures: list[dict[str, str]] = []
        self.transfer = _Transfer()
        self._row_written = 0.0
        self.started = time.monotonic()
        self.finished = False

    # -- bookkeeping ------------------------------------------------------------------------------

    async def _status(self, status: VideoStatus, reason: str | None = None) -> None:
        async with self.ctx.session() as session:
            await set_status(session, self.ctx.hub, self.video_id, status, reason, job_id=self.ctx.job_id)
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
        options = await _options(ctx, profile, self.params.rate_limit_kib_s)
        root = temp_root()
        leftovers = await ctx.to_thread(_clear_job_leftovers, root, ctx.job_id)
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
            await set_status(session, ctx.hub, self.video_id, VideoStatus.DOWNLOADING, job_id=ctx.job_id)
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
        options: _Options,
        temp: Path,
    ) -> JobResult:
        ctx = self.ctx
        if root_path is None:
            reason = NO_ROOT_FOLDER_REASON
            await self._fail(reason)
            raise DownloadFailed(reason)
        for where in filter(None, (temp, root_path)):
            free = await ctx.to_thread(_free_mb, where)
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
                        f"{options.per_host} download(s) from {host} already running",
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
                continue
            finally:
                await ctx.to_thread(_remove_tree, folder)
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
        self, host: str, failed: _CandidateFailed, refusal: refusals.Refusal, options: _Options
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
            await set_status(session, self.ctx.hub, self.video_id, VideoStatus.FAILED, reason, job_id=self.ctx.job_id)
            await raise_event(
                session,
                catalogue.DOWNLOAD_FAILED,
                {"video_id": self.video_id, "reason": reason[:1000], "job_id": self.ctx.job_id},
            )
            await session.commit()

    async def _candidates(
        self, video: Video, artist: Artist, options: _Options, blocked: set[str]
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
        options: _Options,
        host: str,
    ) -> JobResult:
        ctx = self.ctx
        self.transfer = _Transfer()
        await ctx.to_thread(folder.mkdir, parents=True, exist_ok=True)
        await self._row(
            source_url=candidate.url,
            source_title=candidate.title,
            source_channel=candidate.channel,
            source_host=host,
            phase="video",
        )
        await ctx.progress(0.0, f"starting {candidate.url}")
        cookies = cookies_path()
        request = {
            "url": candidate.url,
            "folder": str(folder),
            "format": options.format,
            "merge_format": options.merge_format,
            "ffmpeg": ffmpeg_binary(),
            "rate_limit": options.rate_limit,
            "cookies": str(cookies) if cookies is not None and cookies.exists() else None,
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
                session, ctx.hub, self.video_id, VideoStatus.DOWNLOADED, job_id=ctx.job_id, path=placed.relative_path
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


@job_type(
    DOWNLOAD,
    DownloadParams,
    description="Downloads one video with yt-dlp: chooses and ranks sources, fetches the profile's best format "
    "into a temp folder, probes it, and moves it into the library through the organiser.",
    priority=0,
    max_attempts=MAX_ATTEMPTS,
    timeout_s=6 * 3600,
    concurrency=2,
    concurrency_setting=keys.MAX_CONCURRENT.key,
    dedupe=True,
    required_role=Role.USER,
    retry_base_s=30.0,
    retry_max_s=3600.0,
)
async def download_video(ctx: JobContext, params: DownloadParams) -> JobResult:
    result = await Download(ctx, params).run()
    if result is not None:
        # Keep the candidates the attempt published next to the outcome.
        async with ctx.reader() as session:
            job = await session.get(Job, ctx.job_id)
            if job is not None and job.result:
                result["candidates"] = job.result.get("candidates", [])
        if result.get("path") and not params.upgrade:
            enrich_job = await enrich_after_download(ctx, params.video_id)
            if enrich_job is not None:
                result["enrich_job"] = enrich_job
    return result


@job_type(
    BULK,
    BulkDownloadParams,
    description="Queues one download child job per video and finishes when they have.",
    max_attempts=1,
    timeout_s=600,
    required_role=Role.MANAGER,
)
async def download_many(ctx: JobContext, params: BulkDownloadParams) -> JobResult:
    ids = list(dict.fromkeys(params.video_ids))
    children = await ctx.spawn_many(DOWNLOAD, [DownloadParams(video_id=i) for i in ids])
    async with ctx.session() as session:
        for video_id in ids:
            video = await session.get(Video, video_id)
            if video is not None and video.status != VideoStatus.DOWNLOADED:
                await set_status(session, ctx.hub, video_id, VideoStatus.QUEUED)
        await session.commit()
    return {"videos": len(ids), "children": children}


@job_type(
    AUTO,
    ScheduledParams,
    description="Queues downloads of wanted videos of monitored artists with auto-download on, oldest first.",
    max_attempts=1,
    timeout_s=600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def auto_download(ctx: JobContext, params: ScheduledParams) -> JobResult:
    async with ctx.reader() as session:
        configured: int = await runtime_settings.get(session, keys.AUTO_LIMIT)
        limit = params.limit or configured
        ids = await repository.wanted_for_auto(session, limit) if limit else []
    if not ids:
        await ctx.log("info", "no wanted videos to download" if limit else f"auto-download is off ({keys.AUTO_LIMIT})")
        return {"queued": []}
    children = await ctx.spawn_many(DOWNLOAD, [DownloadParams(video_id=i) for i in ids])
    async with ctx.session() as session:
        for video_id in ids:
            await set_status(session, ctx.hub, video_id, VideoStatus.QUEUED)
        await session.commit()
    return {"queued": ids, "children": children}


async def _upgrade_source(video: Video) -> str | None:
    if video.youtube_id:
        return youtube_url(video.youtube_id)
    for source in video.sources or []:
        if isinstance(source, dict) and source.get("url"):
            return str(source["url"])
    return None


@job_type(
    UPGRADE,
    UpgradeParams,
    description="Lists the formats the video's source offers (no download), records the best available quality, "
    "and downloads a replacement only when it beats the current file by the profile.",
    max_attempts=3,
    timeout_s=600,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def upgrade_video(ctx: JobContext, params: UpgradeParams) -> JobResult:
    async with ctx.reader() as session:
        found = await repository.video_and_artist(session, params.video_id)
        if found is None:
            raise DownloadFailed(f"video {params.video_id} does not exist")
        video, artist = found
        profile = await quality.profile_for_artist(session, artist)
        current = await repository.current_file(session, params.video_id)
        blocked = await repository.blocklisted_keys(session, params.video_id)
    url = await _upgrade_source(video)
    if url is None:
        return {"upgrade": False, "reason": "the video has no known source to check"}
    from mvidarr.downloads.ranking import source_key

    if source_key(url) in blocked:
        return {"upgrade": False, "reason": f"{url} is blocklisted"}
    async with ctx.reader() as session:
        policy = await policy_from_settings(session)
    try:
        info = await ytdlp.list_formats(
            {"url": url, "socket_timeout": 20.0}, policy=policy, should_stop=ctx.should_abort
        )
    except ytdlp.YtDlpStopped:
        raise JobInterrupted from None
    except ytdlp.YtDlpFailed as exc:
        if exc.kind in ("transient", "rate_limited", "bot_check"):
            raise RetryableJobError(exc.message, retry_after_s=exc.retry_after_s) from None
        return {"upgrade": False, "reason": f"cannot list formats: {exc.message}"}
    offered = best_offered(info.get("formats") or [], profile)
    decision = decide_upgrade(current.quality_label if current is not None else None, offered, profile)
    async with ctx.session() as session:
        await session.execute(
            update(Video)
            .where(Video.id == params.video_id)
            .values(best_available_label=offered, best_available_checked_at=ctx.now())
        )
        await session.commit()
    await ctx.log("info", decision.reason)
    result: dict[str, Any] = {
        "upgrade": decision.upgrade,
        "best_available": decision.best_available,
        "current": decision.current,
        "reason": decision.reason,
    }
    if decision.upgrade:
        result["child"] = await ctx.spawn(
            DOWNLOAD, DownloadParams(video_id=params.video_id, source_url=url, upgrade=True)
        )
    return result


@job_type(
    UPGRADE_SEARCH,
    ScheduledParams,
    description="Checks videos below their profile's cutoff for better versions (one video.upgrade each).",
    max_attempts=1,
    timeout_s=600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def upgrade_search(ctx: JobContext, params: ScheduledParams) -> JobResult:
    async with ctx.reader() as session:
        enabled = await runtime_settings.get(session, keys.UPGRADE_SEARCH)
        configured: int = await runtime_settings.get(session, keys.UPGRADE_LIMIT)
        limit = params.limit or configured
        if not enabled and ctx.created_by is None and params.limit is None:
            await ctx.log("info", f"the upgrade search is off (setting {keys.UPGRADE_SEARCH})")
            return {"checked": []}
        from mvidarr.kit.pagination import PageParams

        page = await quality.cutoff_unmet(
            session, artist_id=None, profile_id=None, sort="score", page=PageParams(1, limit)
        )
    ids = [item.video_id for item in page.items]
    children = await ctx.spawn_many(UPGRADE, [UpgradeParams(video_id=i) for i in ids]) if ids else []
    return {"checked": ids, "children": children}


register_default(DefaultSchedule(name="Download wanted videos", job_type=AUTO, interval_s=3600))
register_default(DefaultSchedule(name="Search for quality upgrades", job_type=UPGRADE_SEARCH, cron="30 4 * * 0"))

__all__ = ["RootFolder", "configure", "select"]
