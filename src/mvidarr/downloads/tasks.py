"""Download job types: `video.download`, its bulk parent, auto-download, `video.upgrade` and the upgrade search.

One attempt of `video.download` is a `downloads.attempt.Download`; what it is told (format, limits,
temp folder) comes from `downloads.options`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from mvidarr.downloads import repository, ytdlp
from mvidarr.downloads import settings as keys
from mvidarr.downloads.attempt import MAX_ATTEMPTS, Download, DownloadFailed
from mvidarr.downloads.formats import best_offered, decide_upgrade
from mvidarr.downloads.ranking import youtube_url
from mvidarr.downloads.schemas import BulkDownloadParams, DownloadParams, ScheduledParams, UpgradeParams
from mvidarr.downloads.service import BULK, DOWNLOAD, set_status
from mvidarr.jobs.context import JobContext, JobInterrupted, RetryableJobError
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.metadata.tasks import enrich_after_download
from mvidarr.models import Job, RootFolder, Video, VideoStatus
from mvidarr.network.settings import policy_from_settings
from mvidarr.quality import service as quality
from mvidarr.settings import service as runtime_settings

UPGRADE = "video.upgrade"
AUTO = "downloads.auto"
UPGRADE_SEARCH = "downloads.upgrade_search"


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
                await set_status(session, ctx.events, video_id, VideoStatus.QUEUED)
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
            await set_status(session, ctx.events, video_id, VideoStatus.QUEUED)
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

__all__ = ["RootFolder", "select"]
