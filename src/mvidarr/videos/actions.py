"""What a user does to one video when it reaches into other packages (downloads, trash, NFO files,
the audit log): one function per action, so the endpoint only parses, authorises and answers.

Apart from `videos.service` because those packages import that service: this module is imported by
the endpoints only, which keeps the imports acyclic (decision 0047).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.audit import service as audit
from mvidarr.auth.guard import Principal
from mvidarr.downloads import service as downloads
from mvidarr.downloads.schemas import VideoAdd, VideoDownloadAccepted, VideoFromSource
from mvidarr.events.hub import EventHub
from mvidarr.jobs.clock import Clock
from mvidarr.network.policy import NetworkPolicy
from mvidarr.organise.nfo_tasks import request_nfo_refresh
from mvidarr.providers.hub import ProviderHub
from mvidarr.trash import service as trash
from mvidarr.videos import service
from mvidarr.videos.schemas import VideoPublic, VideoUpdate


async def add_video(
    session: AsyncSession,
    events: EventHub,
    clock: Clock,
    body: VideoAdd,
    *,
    policy: NetworkPolicy,
    providers: ProviderHub | None = None,
    created_by: int | None,
) -> VideoPublic | VideoDownloadAccepted:
    """A video for an existing artist; or, from a source URL, a video added and its download queued."""
    if isinstance(body.root, VideoFromSource):
        return await downloads.add_from_source(
            session, events, clock, body.root, policy=policy, providers=providers, created_by=created_by
        )
    return await service.create_video(session, body.root)


async def edit_video(
    session: AsyncSession, events: EventHub, clock: Clock, video_id: int, body: VideoUpdate
) -> VideoPublic:
    """Change the fields sent, then let the NFO refresh rewrite the video's NFO file."""
    video = await service.update_video(session, video_id, body)
    await request_nfo_refresh(session, events, clock)
    return video


async def remove_video(
    session: AsyncSession,
    actor: Principal,
    video_id: int,
    *,
    delete_files: bool,
    permanent: bool,
    ip: str | None,
) -> None:
    """Delete the record; its files stay, go to the trash (`delete_files`) or are deleted (`permanent`,
    admins only); the audit log says who did which."""
    trash.check_permanent(actor, permanent)
    await service.get_video(session, video_id)  # a 404 before any file moves
    files: dict[str, int] = {}
    if delete_files or permanent:
        files = await trash.remove_video_files(
            session, [video_id], permanent=permanent, reason="video.deleted", user_id=actor.user_id
        )
    await service.delete_video(session, video_id)
    audit.record(
        session, "video.deleted", actor=actor, target_type="video", target_id=video_id, ip=ip,
        details={"permanent": permanent, **files} if files or permanent else None,
    )  # fmt: skip
