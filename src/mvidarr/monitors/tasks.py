"""Monitor job types: `monitor.check` (one monitor) and `monitors.check_due` (every enabled monitor due)."""

from __future__ import annotations

from functools import partial

from pydantic import BaseModel, ConfigDict

from mvidarr.jobs import registry
from mvidarr.jobs.context import JobContext
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.models import Monitor
from mvidarr.monitors import repository, service
from mvidarr.monitors.extract import MAX_ITEMS, ExtractionFailed, ListedItem, list_items
from mvidarr.monitors.schemas import CHECK, MonitorCheckParams
from mvidarr.network.proxy import GuardedProxy
from mvidarr.network.settings import policy_from_settings
from mvidarr.providers.errors import ProviderError, ProviderNotConfigured
from mvidarr.providers.hub import ProviderHub
from mvidarr.providers.youtube import YouTubeClient, channel_target, playlist_of

CHECK_DUE = "monitors.check_due"
DOWNLOAD = "video.download"


class CheckDueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonitorVanished(Exception):
    """The monitor was deleted before its check ran."""


async def _list_with_data_api(providers: ProviderHub, url: str) -> list[ListedItem] | None:
    """A YouTube channel's uploads or a playlist through the Data API when a key is set; None otherwise
    (no key, YouTube off, or not a YouTube channel/playlist URL: yt-dlp lists it)."""
    playlist = playlist_of(url)
    channel = channel_target(url) if playlist is None and "youtube.com/" in url else None
    if playlist is None and channel is None:
        return None
    try:
        client = await providers.client("youtube")
    except (ProviderNotConfigured, RuntimeError):
        return None
    if not isinstance(client, YouTubeClient) or client.keyless:
        return None
    try:
        if playlist is None and channel is not None:
            playlist = await client.uploads_playlist(*channel)
        assert playlist is not None
        videos = await client.playlist_videos(playlist, limit=MAX_ITEMS, cache=False)
    except ProviderError as exc:
        raise ExtractionFailed(f"YouTube Data API: {exc}") from None
    return [
        ListedItem(
            item_id=v.provider_id,
            title=v.title[:500],
            url=v.url,
            youtube_id=v.provider_id,
            release_date=v.release_date,
            duration_s=v.duration_s,
            uploader=v.channel,
        )
        for v in videos
    ]


@job_type(
    CHECK,
    MonitorCheckParams,
    description="Lists a channel's or playlist's items (the YouTube Data API when a key is set, else yt-dlp "
    "flat extraction) and adds the new ones as "
    "wanted videos (or ignored, with the filter's reason); items seen before are skipped.",
    priority=-1,
    max_attempts=2,
    timeout_s=900,
    concurrency=2,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def check_monitor(ctx: JobContext, params: MonitorCheckParams) -> JobResult:
    async with ctx.reader() as session:
        monitor = await session.get(Monitor, params.monitor_id)
        if monitor is None:
            raise MonitorVanished(f"monitor {params.monitor_id} does not exist")
        url = monitor.url
    await ctx.progress(0.1, "listing the items")
    try:
        listed = await _list_with_data_api(ctx.providers, url)
        if listed is None:
            async with ctx.reader() as session:
                policy = await policy_from_settings(session)
            async with GuardedProxy(policy) as proxy:
                try:
                    listed = await ctx.to_thread(partial(list_items, url, proxy=proxy.url))
                except ExtractionFailed:
                    if proxy.refusals:
                        raise ExtractionFailed(proxy.refusals[0]) from None
                    raise
    except ExtractionFailed as exc:
        async with ctx.session() as session:
            stored = await session.get(Monitor, params.monitor_id)
            if stored is not None:
                stored.last_error = str(exc)[:500]
                stored.last_checked_at = ctx.now()
                await session.commit()
        raise
    ctx.check_abort()
    async with ctx.session() as session:
        monitor = await session.get(Monitor, params.monitor_id)
        if monitor is None:
            raise MonitorVanished(f"monitor {params.monitor_id} does not exist")
        outcome = await service.record_items(session, monitor, listed, ctx.now())
        auto_download = monitor.auto_download
        await session.commit()
    downloads: list[int] = []
    if auto_download and outcome.added_video_ids:
        if DOWNLOAD in registry.REGISTRY:
            downloads = await ctx.spawn_many(DOWNLOAD, [{"video_id": v} for v in outcome.added_video_ids])
        else:
            await ctx.log("warning", "auto-download is on but no download job type is available")
    counts = dict(outcome.counts)
    await ctx.log("info", f"{len(listed)} items listed: {counts or 'nothing new'}")
    return {"listed": len(listed), **counts, "video_ids": outcome.added_video_ids, "downloads": downloads}


@job_type(
    CHECK_DUE,
    CheckDueParams,
    description="Starts `monitor.check` for every enabled monitor whose check interval has passed.",
    priority=-3,
    max_attempts=1,
    timeout_s=600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def check_due(ctx: JobContext, params: CheckDueParams) -> JobResult:
    async with ctx.reader() as session:
        ids = await repository.due(session, ctx.now())
    if ids:
        await ctx.spawn_many(CHECK, [MonitorCheckParams(monitor_id=i) for i in ids])
    return {"started": len(ids)}


register_default(DefaultSchedule(name="Check channel and playlist monitors", job_type=CHECK_DUE, interval_s=3600))
