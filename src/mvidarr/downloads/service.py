"""Downloads: queueing them (one, many, ad hoc from a URL), video status events, queue and history."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import repository as artists_repository
from mvidarr.artists import service as artists
from mvidarr.db import Database, utcnow
from mvidarr.downloads import repository, ytdlp
from mvidarr.downloads import settings as keys
from mvidarr.downloads.ranking import source_key, youtube_id
from mvidarr.downloads.schemas import (
    BulkDownloadParams,
    BulkDownloadRequest,
    DownloadParams,
    DownloadPublic,
    HistoryItem,
    QueueItem,
    VideoDownloadAccepted,
    VideoFromSource,
    VideoRef,
    YtDlpStatus,
)
from mvidarr.downloads.updates import is_newer
from mvidarr.errors import CONFLICT, CONTENT, REFERENCE, Conflict, InvalidInput, VideoNotFound
from mvidarr.events.hub import Event, EventHub
from mvidarr.jobs import service as jobs
from mvidarr.jobs.clock import Clock
from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.pagination import Page, PageParams
from mvidarr.kit.text import identity_key
from mvidarr.library.service import require_root_folder
from mvidarr.library.titles import parse_title
from mvidarr.metadata.credits import CreditVerdicts, credited_artists, looks_joint
from mvidarr.models import Artist, Job, JobStatus, Video, VideoStatus
from mvidarr.network.policy import FetchFailed, NetworkPolicy, NetworkRefused
from mvidarr.network.settings import policy_from_settings
from mvidarr.providers.hub import ProviderHub
from mvidarr.settings import service as runtime_settings
from mvidarr.videos import repository as video_repository
from mvidarr.videos import service as videos

log = logging.getLogger(__name__)
DOWNLOAD = "video.download"
BULK = "video.download_bulk"
MAX_BULK = 5000
INFO_TIMEOUT_S = 60.0
"""How long adding a video from a source URL waits for yt-dlp to read the source's title."""
PUT_DOWNLOADS = "put downloaded files in"


def video_event(video_id: int, status: str, reason: str | None = None, **extra: Any) -> Event:
    data = {"id": video_id, "status": status, **extra}
    if reason:
        data["reason"] = reason[:1000]
    return Event(type="video.updated", data=data, ref=("video", video_id))


async def set_status(
    session: AsyncSession, events: EventHub, video_id: int, status: VideoStatus, reason: str | None = None, **extra: Any
) -> None:
    """Change a video's status and tell subscribers (after the caller's commit)."""
    await session.execute(update(Video).where(Video.id == video_id).values(status=status))
    await events.emit(session, video_event(video_id, status, reason, **extra))


async def _check_source(session: AsyncSession, video_id: int, source_url: str | None) -> None:
    if source_url is not None and await repository.is_blocklisted(session, video_id, source_key(source_url)):
        raise Conflict(f"{source_url} is blocklisted for video {video_id}; remove it from the blocklist first")


async def queue_download(
    session: AsyncSession,
    events: EventHub,
    clock: Clock,
    video_id: int,
    *,
    source_url: str | None = None,
    policy: NetworkPolicy | None = None,
    created_by: int | None = None,
    rate_limit_kib_s: int | None = None,
) -> Job:
    """Queue `video.download` for one video (the active twin if one is queued) and mark it queued.

    A `source_url` the user chose is refused now if the network policy refuses its host (422); the
    download checks every connection again (redirects included) through the guarded proxy."""
    if source_url is not None:
        await (policy or await policy_from_settings(session)).check_url(source_url)
    video = await session.get(Video, video_id)
    if video is None:
        raise VideoNotFound(video_id)
    await _check_source(session, video_id, source_url)
    artist_root = await session.scalar(select(Artist.root_folder_id).where(Artist.id == video.artist_id))
    await require_root_folder(session, PUT_DOWNLOADS, artist_root)
    params = DownloadParams(video_id=video_id, source_url=source_url, rate_limit_kib_s=rate_limit_kib_s)
    job, created = await jobs.enqueue(session, events, DOWNLOAD, params, created_by=created_by, clock=clock)
    if created and video.status != VideoStatus.DOWNLOADED:
        await set_status(session, events, video_id, VideoStatus.QUEUED, job_id=job.id)
    return job


async def queue_bulk(
    session: AsyncSession, events: EventHub, clock: Clock, body: BulkDownloadRequest, *, created_by: int | None
) -> Job:
    """One parent job whose children download each video chosen by ids or by a filter."""
    if body.video_ids is not None:
        ids = list(dict.fromkeys(body.video_ids))
        missing = sorted(set(ids) - await repository.existing_video_ids(session, ids))
        if missing:
            raise InvalidInput(f"videos {missing[:10]} do not exist", loc=("body", "video_ids"), type_=REFERENCE)
    elif body.selection is not None:
        ids = await video_repository.matching_ids(session, body.selection.to_filter(), limit=MAX_BULK + 1)
        if len(ids) > MAX_BULK:
            raise InvalidInput(
                f"more than {MAX_BULK} videos match; narrow the selection", loc=("body", "selection"), type_=REFERENCE
            )
        if not ids:
            raise InvalidInput("no video matches the selection", loc=("body", "selection"), type_=REFERENCE)
    else:
        assert body.filter is not None
        flt = body.filter
        ids = await repository.video_ids_matching(
            session,
            artist_id=flt.artist_id,
            statuses=[s.value for s in flt.status],
            kinds=[k.value for k in flt.kind] if flt.kind else None,
            monitored_only=flt.monitored_only,
            limit=MAX_BULK,
        )
        if not ids:
            raise InvalidInput("no video matches the filter", loc=("body", "filter"), type_=REFERENCE)
    await require_root_folder(session, PUT_DOWNLOADS)  # after the request itself is known to be valid
    job, _created = await jobs.enqueue(
        session, events, BULK, BulkDownloadParams(video_ids=ids), created_by=created_by, clock=clock
    )
    return job


async def _source_metadata(url: str, policy: NetworkPolicy) -> dict[str, Any]:
    """The source's title, channel and duration, read by yt-dlp within `INFO_TIMEOUT_S` (the request
    waits for it; on the deadline the yt-dlp process group is killed and the answer is 502)."""
    try:
        async with asyncio.timeout(INFO_TIMEOUT_S):
            return await ytdlp.list_formats(
                {"url": url, "socket_timeout": 15.0, "retries": 1}, policy=policy, should_stop=None
            )
    except TimeoutError:
        raise FetchFailed(
            f"the source did not answer within {INFO_TIMEOUT_S:g} s; try again later, or send artist_name "
            "and title so the video is added without reading the source first"
        ) from None
    except ytdlp.YtDlpFailed as exc:
        if exc.kind == "refused":
            raise NetworkRefused(exc.message) from None
        if exc.kind in ("transient", "rate_limited", "bot_check"):
            raise FetchFailed(f"the source did not answer: {exc.message}") from None
        raise InvalidInput(
            f"cannot read the source: {exc.message}", loc=("body", "source_url"), type_=CONTENT
        ) from None


async def _credited(
    session: AsyncSession, providers: ProviderHub | None, credit: str, featured: list[str]
) -> tuple[str, list[str]]:
    """The artist and featured artists of a credit read from a source's title.

    The providers are asked first, before the session's next statement: on SQLite a writer's
    transaction holds the database's one write lock from its first statement, and the providers
    record their own state (rate limits, breakers) in the database, so asking them inside it made
    each of their writes wait out the busy timeout. The library is asked after."""

    async def nobody(_name: str) -> bool:
        return False

    async def known(name: str) -> bool:
        return await artists_repository.exists_named(session, identity_key(name))

    verdicts = CreditVerdicts(providers)
    if looks_joint(credit):
        await verdicts.ask(await verdicts.to_ask([credit], nobody))
    return await credited_artists(credit, featured, known=known, verdicts=verdicts)


async def add_from_source(
    session: AsyncSession,
    events: EventHub,
    clock: Clock,
    body: VideoFromSource,
    *,
    policy: NetworkPolicy,
    providers: ProviderHub | None = None,
    created_by: int | None,
) -> VideoDownloadAccepted:
    """Create a video from a URL (artist and title from the body, else from the source) and queue it.

    An artist read from the source's title is credited as a scan credits a file's ('A x B' is A
    featuring B unless a provider says it is one artist: `metadata.credits`); one sent is kept as sent.
    """
    if not body.download:
        raise InvalidInput(
            "download must be true when adding a video from a source URL", loc=("body", "download"), type_=CONFLICT
        )
    url = str(body.source_url)
    await policy.check_url(url)  # before the first statement: no transaction is open while it resolves
    await require_root_folder(session, PUT_DOWNLOADS)
    # Ends the check's transaction (on SQLite, the write lock) before the source and the providers
    # are asked, which can take seconds; the video is written in a transaction of its own after.
    await session.commit()
    artist_name, title = body.artist_name, body.title
    info: dict[str, Any] = {}
    featured: list[str] = []
    if artist_name is None or title is None:
        info = await _source_metadata(url, policy)
        parsed = parse_title(
            str(info.get("title") or ""), artist=artist_name, uploader=info.get("channel") or info.get("uploader")
        )
        if artist_name is None and parsed.artist:
            artist_name, featured = await _credited(session, providers, parsed.artist, parsed.featured)
        title = title or parsed.title
        if not artist_name:
            raise InvalidInput(
                "the source's title names no artist; send artist_name", loc=("body", "artist_name"), type_=CONTENT
            )
    assert title is not None
    artist, _created = await artists.find_or_create(session, artist_name)
    await session.flush()
    found = youtube_id(url)
    video = Video(
        artist_id=artist.id,
        title=title[:500],
        status=VideoStatus.WANTED,
        youtube_id=found,
        sources=[] if found else [{"url": url, "kind": "other"}],
        duration_s=float(info["duration"]) if info.get("duration") else None,
        featured_artists=featured[:30],
        directors=[],
        producers=[],
        locked_fields=[],
        field_provenance={},
    )
    videos.derive_fields(video)
    session.add(video)
    await session.flush()
    job = await queue_download(session, events, clock, video.id, source_url=url, policy=policy, created_by=created_by)
    return VideoDownloadAccepted(video=await videos.read_video(session, video.id), job=JobPublic.model_validate(job))


ORPHANED = "the process running this download stopped"
REQUEUED = "the worker stopped during the download; the job runs again"


async def reconcile_orphans(db: Database) -> int:
    """At start-up: attempts left running by a process that is gone end failed, and their videos say so.

    An attempt whose job was requeued waits for that job (its video shows queued); one whose job ended
    or vanished makes a "downloading" video failed, so it can be retried. Attempts of jobs still
    running belong to a live worker (another process) and are left alone.
    """
    async with db.writer() as session:
        orphans = await repository.orphaned_attempts(session)
        if not orphans:
            return 0
        now = utcnow()
        requeued = [row for row in orphans if row.job_status == JobStatus.QUEUED]
        ended = [row for row in orphans if row.job_status != JobStatus.QUEUED]
        outcomes = ((requeued, REQUEUED, VideoStatus.QUEUED), (ended, ORPHANED, VideoStatus.FAILED))
        for rows, reason, video_status in outcomes:
            if not rows:
                continue
            await repository.close_attempts(session, [row.id for row in rows], reason, now)
            video_ids = [row.video_id for row in rows if row.video_id is not None]
            await session.execute(
                update(Video)
                .where(Video.id.in_(video_ids), Video.status == VideoStatus.DOWNLOADING)
                .values(status=video_status)
            )
        await session.commit()
    log.warning("%d download attempt(s) left running by a stopped process were closed", len(orphans))
    return len(orphans)


def _ref(row: Any) -> VideoRef | None:
    if row.v_id is None:
        return None
    return VideoRef(id=row.v_id, title=row.v_title, artist_id=row.a_id, artist_name=row.a_name)


async def queue(session: AsyncSession, page: PageParams, *, with_detail: bool) -> Page[QueueItem]:
    rows, total = await repository.queue_page(session, page)
    items = [
        QueueItem(
            job=jobs.public(row[0], with_detail=with_detail),
            video=_ref(row),
            download=DownloadPublic.model_validate(tuple(row)[1]) if tuple(row)[1] is not None else None,
        )
        for row in rows
    ]
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def history(
    session: AsyncSession, page: PageParams, *, video_id: int | None, outcome: str | None
) -> Page[HistoryItem]:
    rows, total = await repository.history_page(session, page, video_id=video_id, outcome=outcome)
    items = [HistoryItem(download=DownloadPublic.model_validate(row[0]), video=_ref(row)) for row in rows]
    return Page(items=items, total=total, page=page.page, page_size=page.page_size)


async def latest_attempt(session: AsyncSession, video_id: int) -> DownloadPublic | None:
    """The video's most recent download attempt (its reason and fix show on the video page)."""
    row = await repository.latest_download(session, video_id)
    return DownloadPublic.model_validate(row) if row is not None else None


async def ytdlp_status(session: AsyncSession, installed: str | None) -> YtDlpStatus:
    """yt-dlp's versions: `installed` against what the last `ytdlp.check` found, and the last update."""
    mode = await runtime_settings.get(session, keys.YTDLP_UPDATES)
    check = await repository.last_job(session, "ytdlp.check", [JobStatus.SUCCEEDED])
    update = await repository.last_job(session, "ytdlp.update")
    latest = str(check.result["latest"]) if check is not None and check.result and check.result.get("latest") else None
    return YtDlpStatus(
        mode=mode,  # type: ignore[arg-type]
        installed=installed,
        latest=latest,
        outdated=mode != "pinned" and is_newer(latest, installed),
        checked_at=check.finished_at if check is not None else None,
        last_update=jobs.public(update) if update is not None else None,
    )
