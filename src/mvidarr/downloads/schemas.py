from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, RootModel, model_validator

from mvidarr.jobs.schemas import JobPublic
from mvidarr.kit.params import MAX_ID
from mvidarr.kit.schemas import Clean, InputSchema, Schema, UTCDatetime, WebUrl, conflict, limit
from mvidarr.library.bulk_schemas import VideoSelection
from mvidarr.models import VideoKind, VideoStatus
from mvidarr.videos.schemas import VideoCreate, VideoPublic

VideoId = Annotated[int, Field(ge=1, le=MAX_ID)]
SourceUrl = Annotated[WebUrl, Field(description="An http(s) URL yt-dlp can download.")]


class DownloadParams(BaseModel):
    """Params of `video.download` (and `video.upgrade`)."""

    model_config = ConfigDict(extra="forbid")

    video_id: VideoId
    source_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://")] | None = Field(
        default=None, description="Download this source only, instead of choosing one."
    )
    upgrade: bool = Field(default=False, description="Replace the current file (its old file goes to the trash).")
    rate_limit_kib_s: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        default=None, description="Bandwidth limit of this download in KiB/s, instead of downloads.rate_limit_kib_s."
    )


class UpgradeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_id: VideoId


class BulkDownloadParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_ids: list[VideoId] = Field(min_length=1, max_length=5000)


class ScheduledParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="Override of the per-run limit setting."
    )


class DownloadRequest(InputSchema):
    source_url: SourceUrl | None = Field(
        default=None, description="Download this source instead of choosing one (it must not be blocklisted)."
    )
    rate_limit_kib_s: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="Bandwidth limit of this download in KiB/s, instead of the setting downloads.rate_limit_kib_s.",
    )


class DownloadFilter(InputSchema):
    artist_id: VideoId | None = None
    status: list[VideoStatus] = Field(
        default_factory=lambda: [VideoStatus.WANTED], max_length=7, description="Video statuses to take."
    )
    kind: list[VideoKind] | None = Field(default=None, max_length=6)
    monitored_only: bool = True


class BulkDownloadRequest(InputSchema):
    video_ids: list[VideoId] | None = Field(default=None, min_length=1, max_length=5000)
    filter: DownloadFilter | None = Field(default=None, description="Used when `video_ids` is not given.")
    selection: VideoSelection | None = Field(
        default=None,
        description="Or: every video matching the video list's filters (as `PATCH /videos` takes them in "
        "`filter`), at most 5000.",
    )

    @model_validator(mode="after")
    def _one_selection(self) -> BulkDownloadRequest:
        if [self.video_ids, self.filter, self.selection].count(None) != 2:
            raise conflict("send one of video_ids, filter or selection")
        return self


class VideoFromSource(InputSchema):
    """Body of `POST /videos` that adds a video from a source URL and downloads it."""

    source_url: SourceUrl
    download: bool = Field(default=True, description="Queue the download now (the only supported value).")
    artist_name: Annotated[str, limit(255, 1), Clean] | None = None
    title: Annotated[str, limit(500, 1), Clean] | None = None


class VideoAdd(RootModel[VideoCreate | VideoFromSource]):
    """Body of `POST /videos`: a video for an existing artist, or (with `source_url`) one to download.

    The presence of `source_url` picks the model, so each shape reports its own errors at their own
    places (`["body", "artist_id"]`, not under a union branch name).
    """

    @model_validator(mode="wrap")
    @classmethod
    def _by_source_url(cls, data: Any, handler: ModelWrapValidatorHandler[VideoAdd]) -> VideoAdd:
        if isinstance(data, dict):
            if "source_url" in data:
                return cls(VideoFromSource.model_validate(data))
            return cls(VideoCreate.model_validate(data))
        return handler(data)


class VideoDownloadAccepted(Schema):
    video: VideoPublic
    job: JobPublic


class CandidatePublic(Schema):
    url: str
    origin: str
    title: str | None = None
    channel: str | None = None
    duration_s: float | None = None
    height: int | None = None
    score: float | None = None
    reasons: list[str] = Field(default_factory=list)
    rejected: bool = False


class FailurePublic(Schema):
    url: str
    kind: str = Field(
        description="transient, rate_limited, bot_check, po_token, age, geo, private, unavailable, not_media, "
        "probe, refused or error."
    )
    reason: str
    fix: str | None = Field(default=None, description="What the user can do about it, in plain words.")


class DownloadPublic(Schema):
    id: int
    video_id: int | None
    job_id: int | None
    attempt: int
    upgrade: bool
    status: Literal["running", "succeeded", "failed", "cancelled"]
    phase: str | None
    source_url: str | None
    source_title: str | None
    source_channel: str | None
    candidates: list[CandidatePublic]
    failures: list[FailurePublic]
    reason: str | None
    fix: str | None = Field(description="What the user can do about the failure (cookies file, PO token, wait).")
    format_id: str | None
    quality_label: str | None
    container: str | None
    video_codec: str | None
    audio_codec: str | None
    size: int | None
    downloaded_bytes: int | None
    total_bytes: int | None
    speed: float | None = Field(description="Bytes per second (average once finished).")
    eta_s: float | None
    duration_s: float | None
    elapsed_s: float | None
    relative_path: str | None
    started_at: UTCDatetime
    finished_at: UTCDatetime | None


class VideoRef(Schema):
    id: int
    title: str
    artist_id: int
    artist_name: str


class QueueItem(Schema):
    job: JobPublic
    video: VideoRef | None
    download: DownloadPublic | None = Field(description="The running attempt, once the job started.")


class HistoryItem(Schema):
    download: DownloadPublic
    video: VideoRef | None


class CookiesStatus(Schema):
    present: bool
    size: int | None = None
    updated_at: UTCDatetime | None = None


class YtDlpStatus(Schema):
    mode: Literal["notify", "auto", "pinned"] = Field(description="The setting downloads.ytdlp_updates.")
    installed: str | None = Field(description="The yt-dlp version downloads run with (None: not installed).")
    latest: str | None = Field(description="The newest release the last check found on PyPI.")
    outdated: bool = Field(description="A newer release is out (never while pinned).")
    checked_at: UTCDatetime | None = Field(description="When the last check finished.")
    last_update: JobPublic | None = Field(description="The last update job, with its outcome (a rollback's reason).")


class YtDlpUpdateRequest(InputSchema):
    version: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^\d+(\.\d+)*$",
        description="The version to install (e.g. 2026.11.1); the newest on PyPI when unset.",
    )
