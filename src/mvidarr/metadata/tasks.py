"""Enrichment jobs: `video.enrich` and `artist.enrich` (a batch of ids each), and `library.enrich`,
the bulk parent that picks what is due and spawns them in batches; plus its daily schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mvidarr.jobs.context import JobContext, RetryableJobError
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.kit.params import MAX_ID
from mvidarr.library.bulk_schemas import VideoSelection
from mvidarr.metadata import repository
from mvidarr.metadata import settings as metadata_settings
from mvidarr.metadata.enrich import Outcome, load_policy
from mvidarr.metadata.enrich_artists import ArtistEnricher
from mvidarr.metadata.enrich_videos import VideoEnricher
from mvidarr.settings import service as runtime_settings
from mvidarr.videos import repository as video_repository

VIDEO_ENRICH = "video.enrich"
ARTIST_ENRICH = "artist.enrich"
LIBRARY_ENRICH = "library.enrich"
# Videos of one batch enriched at once: enough to keep every provider's rate limit busy.
PARALLEL = 8
# How often library enrichment looks whether its artist jobs have finished.
CHILD_POLL_S = 0.25
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class VideoEnrichParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_ids: list[Id] = Field(min_length=1, max_length=1000, description="Videos to enrich.")


class ArtistEnrichParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    artist_ids: list[Id] = Field(min_length=1, max_length=1000, description="Artists to enrich.")


class LibraryEnrichParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    only_due: bool = Field(
        default=True,
        description="Only what was never enriched or was enriched longer ago than `metadata.refresh_after_days`; "
        "false enriches everything.",
    )
    artists: bool = Field(default=True, description="Enrich artists too (before their videos).")
    videos: bool = Field(default=True, description="Enrich videos.")
    filter: VideoSelection | None = Field(
        default=None, description="Only the videos matching the video list's filters, due or not (no artists)."
    )
    through_id: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        default=None, description="With `filter`: only videos up to this id (those that existed when asked)."
    )


class NoProviderAsked(Exception):
    """Every provider that could answer is disabled or lacks its key: nothing was looked up."""


async def _run_batch(
    ctx: JobContext,
    ids: Sequence[int],
    what: str,
    enrich: Callable[[int, Callable[[str], Awaitable[None]]], Awaitable[Outcome]],
) -> JobResult:
    counts: dict[str, int] = {}
    failed: dict[str, str] = {}
    asked: set[str] = set()
    done = 0
    gate = asyncio.Semaphore(PARALLEL)

    async def one(item_id: int) -> None:
        nonlocal done
        async with gate:
            ctx.check_abort()

            async def note(message: str) -> None:
                await ctx.progress(done / len(ids), f"{done}/{len(ids)} {what}s; {what} {item_id}: {message}")

            outcome = await enrich(item_id, note)
        done += 1
        asked.update(outcome.asked)
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        for provider, error in outcome.failed_providers.items():
            if provider not in failed:
                failed[provider] = error
                await ctx.log("warning", f"{provider} failed ({error}); used the next provider instead")
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        await ctx.progress(done / len(ids), f"{done}/{len(ids)} {what}s ({summary})")

    await asyncio.gather(*(one(i) for i in ids))
    result: dict[str, object] = {"counts": counts, "failed_providers": failed}
    if ids and not asked:
        raise NoProviderAsked(
            f"no metadata provider could be asked about these {what}s: enable one (MusicBrainz needs no key) "
            "under Settings -> Providers"
        )
    if counts.get("failed", 0) == len(ids) and failed:
        # Nothing could be asked at all (every provider down): worth another attempt later.
        reasons = "; ".join(f"{name}: {error}" for name, error in sorted(failed.items()))
        raise RetryableJobError(f"no provider could be asked: {reasons}")
    return result


@job_type(
    VIDEO_ENRICH,
    VideoEnrichParams,
    description="Matches videos to provider records and fills year, album, genres, directors, ids and more; "
    "weak matches go to the review list.",
    priority=-1,
    max_attempts=3,
    timeout_s=6 * 3600,
    dedupe=True,
    concurrency_setting=metadata_settings.CONCURRENCY.key,
    required_role=Role.MANAGER,
    retry_base_s=60.0,
)
async def enrich_videos(ctx: JobContext, params: VideoEnrichParams) -> JobResult:
    async with ctx.reader() as session:
        policy = await load_policy(session)
    enricher = VideoEnricher(ctx.session, ctx.providers, policy, data_dir=ctx.data_dir, events=ctx.events)
    return await _run_batch(ctx, params.video_ids, "video", enricher.enrich)


@job_type(
    ARTIST_ENRICH,
    ArtistEnrichParams,
    description="Matches artists to provider records and fills biography, country, years, genres, images and ids.",
    priority=-1,
    max_attempts=3,
    timeout_s=6 * 3600,
    dedupe=True,
    concurrency_setting=metadata_settings.CONCURRENCY.key,
    required_role=Role.MANAGER,
    retry_base_s=60.0,
)
async def enrich_artists(ctx: JobContext, params: ArtistEnrichParams) -> JobResult:
    async with ctx.reader() as session:
        policy = await load_policy(session)
    enricher = ArtistEnricher(ctx.session, ctx.providers, policy, data_dir=ctx.data_dir, events=ctx.events)
    return await _run_batch(ctx, params.artist_ids, "artist", enricher.enrich)


@job_type(
    LIBRARY_ENRICH,
    LibraryEnrichParams,
    description="Enriches every artist and video never enriched or due again, as child jobs in batches.",
    priority=-3,
    max_attempts=1,
    timeout_s=24 * 3600,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def enrich_library(ctx: JobContext, params: LibraryEnrichParams) -> JobResult:
    async with ctx.reader() as session:
        days = await runtime_settings.get(session, metadata_settings.REFRESH_AFTER_DAYS)
        size = await runtime_settings.get(session, metadata_settings.BATCH_SIZE)
    if params.filter is not None:
        return await _enrich_selection(ctx, params.filter, params.through_id, size)
    # Due: never enriched, or (with a refresh age) enriched before it.
    due_before = ctx.now() - timedelta(days=days) if params.only_due and days > 0 else None
    spawned = {"artists": 0, "videos": 0, "jobs": 0}
    plan: list[tuple[Literal["artist", "video"], bool, str, str]] = [
        ("artist", params.artists, ARTIST_ENRICH, "artist_ids"),
        ("video", params.videos, VIDEO_ENRICH, "video_ids"),
    ]
    artist_jobs: list[int] = []
    for kind, enabled, job, key in plan:
        if not enabled:
            continue
        if kind == "video" and artist_jobs:
            # Videos take their artist's genres when they have none, and their searches use the
            # artist's MusicBrainz id: the video jobs are queued once the artist jobs have finished.
            await _wait_for(ctx, artist_jobs, f"waiting for {len(artist_jobs)} artist jobs before the videos")
        after = 0
        while True:
            ctx.check_abort()
            async with ctx.reader() as session:
                ids = await repository.due_ids(
                    session, kind, due_before=due_before, only_due=params.only_due, after_id=after, limit=size * 20
                )
            if not ids:
                break
            after = ids[-1]
            batches = [ids[i : i + size] for i in range(0, len(ids), size)]
            children = await ctx.spawn_many(job, [{key: batch} for batch in batches])
            if kind == "artist":
                artist_jobs.extend(children)
            spawned[f"{kind}s"] += len(ids)
            spawned["jobs"] += len(batches)
            await ctx.progress(0.0, f"queued {spawned['artists']} artists and {spawned['videos']} videos")
    await ctx.log("info", f"queued {spawned['jobs']} enrichment jobs")
    return spawned


async def _wait_for(ctx: JobContext, job_ids: list[int], message: str) -> None:
    """Until none of `job_ids` is queued or running; cancellable, with progress as the heartbeat."""
    while True:
        ctx.check_abort()
        async with ctx.reader() as session:
            active = await repository.active_jobs(session, job_ids)
        if not active:
            return
        await ctx.progress(0.0, f"{message} ({active} to go)")
        await asyncio.sleep(CHILD_POLL_S)


async def _enrich_selection(ctx: JobContext, selection: VideoSelection, through_id: int | None, size: int) -> JobResult:
    """The videos a filter matches, walked in id order, as child jobs of `size` videos."""
    flt = selection.to_filter()
    spawned = {"artists": 0, "videos": 0, "jobs": 0}
    after = 0
    while True:
        ctx.check_abort()
        async with ctx.reader() as session:
            ids = await video_repository.matching_ids(
                session, flt, after_id=after, through_id=through_id, limit=size * 20
            )
        if not ids:
            break
        after = ids[-1]
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        await ctx.spawn_many(VIDEO_ENRICH, [{"video_ids": batch} for batch in batches])
        spawned["videos"] += len(ids)
        spawned["jobs"] += len(batches)
        await ctx.progress(0.0, f"queued {spawned['videos']} videos")
    await ctx.log("info", f"queued {spawned['jobs']} enrichment jobs")
    return spawned


register_default(
    DefaultSchedule(
        name="Enrich library metadata",
        job_type=LIBRARY_ENRICH,
        interval_s=24 * 3600,
        params={"only_due": True},
    )
)


async def enrich_after_scan(ctx: JobContext, scan_result: JobResult) -> int | None:
    """After a scan that created videos, enrich what was never enriched (`metadata.enrich_after_scan`)."""
    created = int((scan_result or {}).get("videos_created") or 0)
    if not created:
        return None
    async with ctx.reader() as session:
        enabled = await runtime_settings.get(session, metadata_settings.ENRICH_AFTER_SCAN)
    if not enabled:
        return None
    return await ctx.spawn(LIBRARY_ENRICH, LibraryEnrichParams(only_due=True))


async def enrich_after_download(ctx: JobContext, video_id: int) -> int | None:
    """After a successful download, enrich the video (`metadata.enrich_after_download`); the job id."""
    async with ctx.reader() as session:
        enabled = await runtime_settings.get(session, metadata_settings.ENRICH_AFTER_DOWNLOAD)
    if not enabled:
        return None
    return await ctx.spawn(VIDEO_ENRICH, VideoEnrichParams(video_ids=[video_id]))
