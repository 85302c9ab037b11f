"""Small helpers that create rows through the API, as a user would."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from mvidarr.db import Database
from mvidarr.models import MediaFile, RootFolder


async def make_artist(client: httpx.AsyncClient, name: str = "Björk", **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/artists", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_video(
    client: httpx.AsyncClient, artist_id: int, title: str = "Army of Me", **fields: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/videos", json={"artist_id": artist_id, "title": title, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def attach_file(db: Database, video_id: int, root_path: str, **probe: Any) -> int:
    """A current media file row for a video (no file on disk is needed for list tests)."""
    async with db.writer() as session:
        root = (await session.execute(select(RootFolder).where(RootFolder.path == root_path))).scalar()
        if root is None:
            root = RootFolder(path=root_path, name="lib")
            session.add(root)
            await session.flush()
        values: dict[str, Any] = {
            "size": 1000,
            "mtime": 1.0,
            "width": 1920,
            "height": 1080,
            "quality_label": "1080p",
            "quality_score": 650.0,
            "video_codec": "h264",
            "audio_codec": "aac",
            "container": "mp4",
        }
        values["relative_path"] = f"v{video_id}.mp4"
        values.update(probe)
        media = MediaFile(video_id=video_id, root_folder_id=root.id, **values)
        session.add(media)
        await session.commit()
        return media.id
