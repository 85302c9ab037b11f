"""Discovery job types: `artist.discover` (one artist) and `library.discover` (the monitored ones, spread
over the discovery interval, oldest-checked first)."""

from __future__ import annotations

import math
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from mvidarr.discovery import service, sources
from mvidarr.discovery.schemas import ARTIST_DISCOVER, ArtistDiscoverParams
from mvidarr.discovery.settings import INTERVAL_HOURS
from mvidarr.events.hub import Event
from mvidarr.jobs.context import JobContext, RetryableJobError
from mvidarr.jobs.registry import JobResult, Role, job_type
from mvidarr.jobs.schedules import DefaultSchedule, register_default
from mvidarr.models import Artist
from mvidarr.notifications import catalogue
from mvidarr.notifications.catalogue import raise_event
from mvidarr.settings import service as runtime_settings

LIBRARY_DISCOVER = "library.discover"
SCHEDULE_PERIOD_S = 3600


class LibraryDiscoverParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    all_due: bool = Field(
        default=False,
        description="Discover every monitored artist that is due now, instead of this hour's share "
        "of the `discovery.interval_hours` period.",
    )


class ArtistVanished(Exception):
    """The artist was deleted before its discovery ran."""


async def discover_artist(ctx: JobContext, artist_id: int) -> JobResult:
    async with ctx.reader() as session:
        artist = await session.get(Artist, artist_id)
        if artist is None:
            raise ArtistVanished(f"artist {artist_id} does not exist")
        ids = sources.ArtistIds.of(artist)
    await ctx.progress(0.1, f"asking the sources for {ids.name}'s videos")
    collected = await sources.collect(ctx.providers, ids)
    for name, error in collected.errors.items():
        await ctx.log("warning", f"{name}: {error}")
    if not collected.asked:
        if collected.errors:
            reasons = "; ".join(f"{name}: {error}" for name, error in collected.errors.items())
            raise RetryableJobError(f"no source could be asked for {ids.name}'s videos: {reasons}")
        # Nothing failed, nothing was asked: the artist is known to no enabled source. Say so.
        warning = (
            f"warning: no source knows {ids.name}; enrich the artist (to find its IMVDb and MusicBrainz ids) "
            "or enable a provider under Settings -> Providers"
        )
        await ctx.log("warning", warning)
        await ctx.progress(1.0, warning)
        async with ctx.session() as session:  # checked: not due again until its next turn
            known = (await service.lock_artists(session, [artist_id])).get(artist_id)
            if known is not None:
                known.last_discovered_at = ctx.now()
            await session.commit()
        return {"added": 0, "ignored": 0, "updated": 0, "removed": 0, "sources": [], "errors": {}, "warning": warning}
    ctx.check_abort()
    async with ctx.session() as session:
        artist = (await service.lock_artists(session, [artist_id])).get(artist_id)
        if artist is None:
            raise ArtistVanished(f"artist {artist_id} does not exist")
        filters = service.artist_filters(artist, await service.default_filters(session))
        planned = await service.plan(session, artist, collected.items, filters)
        counts = await service.apply(session, artist, planned, ctx.now())
        if counts["added"] or counts["ignored"] or counts["updated"]:
            # The browser refreshes the artist's videos and the wanted list when it hears this.
            found = {k: counts[k] for k in ("added", "ignored", "updated")}
            await ctx.events.emit(
                session,
                Event(
                    type="artist.updated",
                    data={"id": artist_id, "changed": ["videos"], **found},
                    ref=("artist", artist_id),
                ),
                Event(type="library.changed", data={"artist": artist_id, "reason": "discovered", **found}),
            )
        if counts["added"]:
            await raise_event(
                session,
                catalogue.VIDEOS_DISCOVERED,
                {"artist_id": artist_id, "artist": artist.name, "added": counts["added"], "job_id": ctx.job_id},
            )
        await session.commit()
    await ctx.log(
        "info",
        f"{ids.name}: {counts['added']} added, {counts['ignored']} ignored, {counts['updated']} existing "
        f"updated, {counts['removed']} removed earlier (sources: {', '.join(collected.asked) or 'none'})",
    )
    return {**counts, "sources": collected.asked, "errors": collected.errors}


@job_type(
    ARTIST_DISCOVER,
    ArtistDiscoverParams,
    description="Collects the artist's music videos from every enabled source, merges them by song and "
    "version, and adds the new ones as wanted (or ignored, with the filter's reason).",
    priority=-1,
    max_attempts=3,
    timeout_s=1800,
    concurrency=4,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def run_artist_discover(ctx: JobContext, params: ArtistDiscoverParams) -> JobResult:
    return await discover_artist(ctx, params.artist_id)


@job_type(
    LIBRARY_DISCOVER,
    LibraryDiscoverParams,
    description="Starts `artist.discover` for the monitored artists that are due, oldest-checked first; "
    "each hourly run takes its share so the period's work is spread out.",
    priority=-3,
    max_attempts=1,
    timeout_s=3600,
    concurrency=1,
    dedupe=True,
    required_role=Role.MANAGER,
)
async def run_library_discover(ctx: JobContext, params: LibraryDiscoverParams) -> JobResult:
    async with ctx.reader() as session:
        hours = await runtime_settings.get(session, INTERVAL_HOURS)
        if hours == 0:
            await ctx.log("info", "scheduled discovery is off (discovery.interval_hours is 0)")
            return {"started": 0}
        due_before = ctx.now() - timedelta(hours=hours)
        due = (Artist.last_discovered_at.is_(None)) | (Artist.last_discovered_at <= due_before)
        monitored = int(
            await session.scalar(select(func.count()).select_from(Artist).where(Artist.monitored.is_(True))) or 0
        )
        share = monitored if params.all_due else math.ceil(monitored * SCHEDULE_PERIOD_S / (hours * 3600))
        ids = list(
            (
                await session.execute(
                    select(Artist.id)
                    .where(Artist.monitored.is_(True), due)
                    .order_by(Artist.last_discovered_at.is_not(None), Artist.last_discovered_at, Artist.id)
                    .limit(max(1, share))
                )
            ).scalars()
        )
    if ids:
        await ctx.spawn_many(ARTIST_DISCOVER, [ArtistDiscoverParams(artist_id=i) for i in ids])
    return {"started": len(ids), "monitored": monitored}


register_default(
    DefaultSchedule(
        name="Discover new music videos",
        job_type=LIBRARY_DISCOVER,
        interval_s=SCHEDULE_PERIOD_S,
        params={},
    )
)
