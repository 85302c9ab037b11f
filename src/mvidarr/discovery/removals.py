"""Remembering videos the user removed, so discovery and monitors never add them again.

Kept apart from `service` so the video delete path can call it without importing discovery.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mvidarr.discovery.grouping import song_key, version_key
from mvidarr.models import Video, VideoRemoval


def remember_removal(session: AsyncSession, video: Video, reason: str = "deleted") -> None:
    """Remember a deleted or blocklisted video; call before deleting the row, in the same transaction."""
    session.add(
        VideoRemoval(
            artist_id=video.artist_id,
            title=video.title,
            song_key=video.song_key or song_key(video.title),
            kind=video.kind,
            version_key=version_key(video.version),
            youtube_id=video.youtube_id,
            imvdb_id=video.imvdb_id,
            reason=reason,
        )
    )
