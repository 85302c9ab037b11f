"""Download queries: blocklisted sources, attempts, the activity queue and history, auto-download picks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.kit.pagination import PageParams
from mvidarr.models import (
    ACTIVE_STATUSES,
    Artist,
    BlocklistEntry,
    Download,
    DownloadOutcome,
    Job,
    JobStatus,
    MediaFile,
    SourceHost,
    Video,
    VideoStatus,
)

DOWNLOAD_TYPES = ("video.download",)


async def blocklisted_keys(session: AsyncSession, video_id: int) -> set[str]:
    stmt = select(BlocklistEntry.source_key).where(
        or_(BlocklistEntry.video_id == video_id, BlocklistEntry.video_id.is_(None))
    )
    return set((await session.execute(stmt)).scalars())


async def is_blocklisted(session: AsyncSession, video_id: int, key: str) -> bool:
    stmt = (
        select(BlocklistEntry.id)
        .where(
            BlocklistEntry.source_key == key,
            or_(BlocklistEntry.video_id == video_id, BlocklistEntry.video_id.is_(None)),
        )
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None


async def add_download(session: AsyncSession, values: dict[str, Any]) -> Download:
    row = Download(**values)
    session.add(row)
    await session.flush()
    return row


async def update_download(session: AsyncSession, download_id: int, values: dict[str, Any]) -> None:
    await session.execute(update(Download).where(Download.id == download_id).values(**values))


async def close_stale(session: AsyncSession, job_id: int, now: Any) -> None:
    """Attempts of this job still marked running belong to a worker that died: mark them failed."""
    await session.execute(
        update(Download)
        .where(Download.job_id == job_id, Download.status == DownloadOutcome.RUNNING)
        .values(status=DownloadOutcome.FAILED, reason="the worker stopped during the download", finished_at=now)
    )


async def orphaned_attempts(session: AsyncSession) -> Sequence[Row[int, int | None, JobStatus | None]]:
    """Attempts marked running whose job no longer runs (finished, requeued or gone): their process died."""
    stmt = (
        select(Download.id, Download.video_id, Job.status.label("job_status"))
        .outerjoin(Job, Job.id == Download.job_id)
        .where(Download.status == DownloadOutcome.RUNNING)
        .where((Job.id.is_(None)) | (Job.status != JobStatus.RUNNING))
    )
    return (await session.execute(stmt)).all()


async def close_attempts(session: AsyncSession, ids: Sequence[int], reason: str, now: Any) -> None:
    await session.execute(
        update(Download)
        .where(Download.id.in_(ids))
        .values(status=DownloadOutcome.FAILED, reason=reason, phase=None, eta_s=None, finished_at=now)
    )


async def video_and_artist(session: AsyncSession, video_id: int) -> tuple[Video, Artist] | None:
    row = (
        await session.execute(
            select(Video, Artist).join(Artist, Artist.id == Video.artist_id).where(Video.id == video_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def _video_ref_columns() -> tuple[Any, ...]:
    return (Video.id.label("v_id"), Video.title.label("v_title"), Artist.id.label("a_id"), Artist.name.label("a_name"))


async def queue_page(session: AsyncSession, page: PageParams) -> tuple[Sequence[Row[Any]], int]:
    """Active download jobs (running first, then by priority and age) with their running attempt."""
    video_id = Job.params["video_id"].as_integer()
    where = and_(Job.type.in_(DOWNLOAD_TYPES), Job.status.in_(ACTIVE_STATUSES))
    total = await session.scalar(select(func.count()).select_from(Job).where(where))
    stmt = (
        select(Job, Download, *_video_ref_columns())
        .outerjoin(Download, and_(Download.job_id == Job.id, Download.status == DownloadOutcome.RUNNING))
        .outerjoin(Video, Video.id == video_id)
        .outerjoin(Artist, Artist.id == Video.artist_id)
        .where(where)
        .order_by((Job.status == "running").desc(), Job.priority.desc(), Job.id)
        .offset(page.offset)
        .limit(page.page_size)
    )
    return (await session.execute(stmt)).all(), int(total or 0)


async def history_page(
    session: AsyncSession, page: PageParams, *, video_id: int | None, outcome: str | None
) -> tuple[Sequence[Row[Any]], int]:
    where: list[ColumnElement[bool]] = [Download.finished_at.is_not(None)]
    if video_id is not None:
        where.append(Download.video_id == video_id)
    if outcome is not None:
        where.append(Download.status == outcome)
    total = await session.scalar(select(func.count()).select_from(Download).where(*where))
    stmt = (
        select(Download, *_video_ref_columns())
        .outerjoin(Video, Video.id == Download.video_id)
        .outerjoin(Artist, Artist.id == Video.artist_id)
        .where(*where)
        .order_by(Download.finished_at.desc(), Download.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    )
    return (await session.execute(stmt)).all(), int(total or 0)


async def wanted_for_auto(session: AsyncSession, limit: int) -> list[int]:
    """Wanted, monitored videos of monitored artists with auto-download on; oldest wanted first."""
    stmt = (
        select(Video.id)
        .join(Artist, Artist.id == Video.artist_id)
        .where(
            Video.status == VideoStatus.WANTED,
            Video.monitored.is_(True),
            Artist.monitored.is_(True),
            Artist.auto_download.is_(True),
        )
        .order_by(func.coalesce(Video.discovered_at, Video.created_at), Video.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def video_ids_matching(
    session: AsyncSession,
    *,
    artist_id: int | None,
    statuses: Sequence[str],
    kinds: Sequence[str] | None,
    monitored_only: bool,
    limit: int,
) -> list[int]:
    stmt = select(Video.id).where(Video.status.in_(statuses))
    if artist_id is not None:
        stmt = stmt.where(Video.artist_id == artist_id)
    if kinds:
        stmt = stmt.where(Video.kind.in_(kinds))
    if monitored_only:
        stmt = stmt.where(Video.monitored.is_(True))
    return list((await session.execute(stmt.order_by(Video.id).limit(limit))).scalars())


async def existing_video_ids(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    return set((await session.execute(select(Video.id).where(Video.id.in_(ids)))).scalars())


async def current_file(session: AsyncSession, video_id: int) -> MediaFile | None:
    stmt = (
        select(MediaFile)
        .where(MediaFile.video_id == video_id, MediaFile.is_current.is_(True), MediaFile.missing_at.is_(None))
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# -- source hosts that asked us to wait ---------------------------------------------------------


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def waiting_hosts(session: AsyncSession, hosts: Iterable[str], now: datetime) -> dict[str, SourceHost]:
    """The hosts among `hosts` whose back-off has not ended yet."""
    wanted = sorted(set(hosts))
    if not wanted:
        return {}
    stmt = select(SourceHost).where(SourceHost.host.in_(wanted), SourceHost.wait_until > now)
    return {row.host: row for row in (await session.execute(stmt)).scalars()}


async def host_for_refusal(session: AsyncSession, host: str, kind: str, now: datetime) -> SourceHost:
    """The host's row, created if new, locked for the caller's update (PostgreSQL; SQLite's writer is one)."""
    await session.execute(
        _insert(session)(SourceHost)
        .values(host=host, kind=kind, refusals=0, wait_until=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["host"])
    )
    return (
        await session.execute(
            select(SourceHost)
            .where(SourceHost.host == host)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def clear_host(session: AsyncSession, host: str, now: datetime) -> None:
    """A download from `host` succeeded: its refusals in a row start again from zero."""
    await session.execute(delete(SourceHost).where(SourceHost.host == host, SourceHost.wait_until <= now))


async def running_from_host(session: AsyncSession, host: str, *, other_than: int | None = None) -> int:
    stmt = select(func.count()).where(Download.source_host == host, Download.status == DownloadOutcome.RUNNING)
    if other_than is not None:
        stmt = stmt.where(Download.id != other_than)
    return int(await session.scalar(stmt) or 0)


async def latest_download(session: AsyncSession, video_id: int) -> Download | None:
    stmt = select(Download).where(Download.video_id == video_id).order_by(Download.id.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_download(session: AsyncSession, download_id: int) -> None:
    await session.execute(delete(Download).where(Download.id == download_id))


async def last_job(session: AsyncSession, job_type: str, statuses: Sequence[JobStatus] | None = None) -> Job | None:
    stmt = select(Job).where(Job.type == job_type)
    if statuses is not None:
        stmt = stmt.where(Job.status.in_(list(statuses)))
    return (await session.execute(stmt.order_by(Job.id.desc()).limit(1))).scalar_one_or_none()
