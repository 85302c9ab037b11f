from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import InputSchema, Schema, UTCDatetime
from mvidarr.playlists.schemas import PlaylistVideo

Seconds = Annotated[float, Field(ge=0, le=86_400 * 7, allow_inf_nan=False)]


class PlayStart(InputSchema):
    video_id: Annotated[int, Field(ge=1, le=MAX_ID)]


class PlayProgress(InputSchema):
    position_s: Seconds = Field(description="Where playback is now.")
    duration_s: Seconds | None = Field(default=None, description="The video's length as the player sees it.")
    completed: bool = Field(default=False, description="Played to the end (the resume position is cleared).")


class PlayPublic(Schema):
    id: int
    video_id: int
    started_at: UTCDatetime
    position_s: float
    completed: bool
    resume_from_s: float = Field(description="Where the caller left this video last time (0: from the start).")


class WatchStatePublic(Schema):
    video_id: int
    position_s: float = Field(description="The resume position (0 when finished or never played).")
    duration_s: float | None
    watched: bool
    play_count: int
    last_played_at: UTCDatetime | None
    favourite: bool
    favourited_at: UTCDatetime | None


class HistoryEntry(Schema):
    id: int
    video: PlaylistVideo
    started_at: UTCDatetime
    updated_at: UTCDatetime
    position_s: float
    completed: bool


class ContinueEntry(Schema):
    video: PlaylistVideo
    position_s: float
    duration_s: float | None
    last_played_at: UTCDatetime | None


class FavouriteEntry(Schema):
    video: PlaylistVideo
    favourited_at: UTCDatetime | None


class VideoTotal(Schema):
    video: PlaylistVideo
    plays: int
    viewers: int
    last_played_at: UTCDatetime | None


class HistoryTotals(Schema):
    plays: int = Field(description="Plays started by everyone.")
    completed: int = Field(description="Plays watched to the end.")
    viewers: int = Field(description="Users who played something.")
    videos_played: int
    favourites: int
    top_videos: list[VideoTotal] = Field(description="The most played videos (at most 20).")
