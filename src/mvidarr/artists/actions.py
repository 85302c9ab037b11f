"""What a user does to one artist when it reaches into other packages (enrichment, trash, NFO files,
the audit log): one function per action, so the endpoint only parses, authorises and answers.

Apart from `artists.service` because those packages import that service: this module is imported by
the endpoints only, which keeps the imports acyclic (decision 0048).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.artists import service
from mvidarr.artists.schemas import ArtistCreate, ArtistPublic, ArtistUpdate
from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.events.hub import EventHub
from mvidarr.jobs.clock import Clock
from mvidarr.metadata import service as enrichment
from mvidarr.models import Job
from mvidarr.organise.nfo_tasks import request_nfo_refresh
from mvidarr.trash import service as trash


async def add_artist(
    session: AsyncSession, events: EventHub, clock: Clock, body: ArtistCreate, *, enrich: bool, created_by: int | None
) -> tuple[ArtistPublic, Job | None]:
    """Create the artist and, with `enrich`, start its `artist.enrich` job."""
    artist = await service.create_artist(session, body)
    job = await enrichment.enrich_artist(session, events, clock, artist.id, created_by) if enrich else None
    return artist, job


async def edit_artist(
    session: AsyncSession, events: EventHub, clock: Clock, artist_id: int, body: ArtistUpdate
) -> ArtistPublic:
    """Change the fields sent, then let the NFO refresh rewrite the artist's NFO files."""
    artist = await service.update_artist(session, artist_id, body)
    await request_nfo_refresh(session, events, clock)
    return artist


async def remove_artist(
    session: AsyncSession,
    actor: Principal,
    artist_id: int,
    *,
    delete_videos: bool,
    delete_files: bool,
    permanent: bool,
    ip: str | None,
) -> None:
    """Delete the artist (and with `delete_videos` its videos, their files kept, trashed or deleted
    for good); the audit log says who did which."""
    trash.check_permanent(actor, permanent)
    files: dict[str, int] = {}
    if delete_videos and (delete_files or permanent):
        await service.get_artist(session, artist_id)  # a 404 before any file moves
        video_ids = await trash.artist_video_ids(session, artist_id)
        files = await trash.remove_video_files(
            session, video_ids, permanent=permanent, reason="artist.deleted", user_id=actor.user_id
        )
    await service.delete_artist(session, artist_id, delete_videos=delete_videos)
    audit.record(
        session, "artist.deleted", actor=actor, target_type="artist", target_id=artist_id, ip=ip,
        details={"delete_videos": delete_videos, "permanent": permanent, **files},
    )  # fmt: skip
