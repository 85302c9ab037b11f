from __future__ import annotations

from mvidarr.kit.schemas import Schema


class GenrePublic(Schema):
    id: int
    name: str
    artist_count: int
    video_count: int
